"""The litsieve command line: the forms scripts rely on, exit codes and messages."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from screening.cli import main
from screening.review_dir import open_review, review_schema

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example.toml"
PUBMED = ROOT / "tests" / "data" / "exports" / "medline" / "ketamine_pubmed.nbib"


@pytest.fixture(autouse=True)
def _sqlite_only(monkeypatch) -> None:
    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_init_import_status_export(tmp_path: Path, capsys) -> None:
    review = tmp_path / "review"
    code, out, _ = run(capsys, "init", review, "--config", EXAMPLE)
    assert code == 0 and "Created review 'IV ketamine for chronic pain'" in out
    assert (review / "litsieve.toml").is_file() and (review / "review.sqlite").is_file()
    code, out, _ = run(capsys, "init", review)
    assert code == 0 and "already a review" in out

    code, out, _ = run(capsys, "import", review, PUBMED)
    assert code == 0 and "10 records imported as source" in out and "(medline, PubMed)" in out
    code, out, _ = run(capsys, "import", review, PUBMED)
    assert code == 0 and "already imported" in out and "nothing added" in out

    code, out, _ = run(capsys, "status", review)
    assert code == 0
    assert "ketamine_pubmed.nbib" in out and "PubMed" in out and "Problems: none" in out

    target = tmp_path / "out" / "records.csv"
    code, out, _ = run(capsys, "export", review, "--output", target)
    assert code == 0 and "Wrote 10 records" in out
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(rows) == 10
    assert list(rows[0])[:11] == ["record_id", "source_file", "line", "database", "native_id",
                                  "title", "authors", "year", "journal", "doi", "pmid"]
    assert {"cluster_id", "decisions"} <= set(rows[0])
    assert rows[0]["line"] == "2" and rows[0]["pmid"] == "31002418"

    ris = tmp_path / "records.ris"
    code, out, _ = run(capsys, "export", review, "-o", ris)
    assert code == 0 and ris.read_text(encoding="utf-8").count("ER  -") == 10


def test_import_from_config_sources(tmp_path: Path, capsys) -> None:
    review = tmp_path / "review"
    assert run(capsys, "init", review, "--config", EXAMPLE)[0] == 0
    code, out, err = run(capsys, "import", review)
    assert code == 0, err
    assert "ketamine_pubmed.nbib: 10 records imported" in out
    assert "ketamine_embase.ris: 7 records imported" in out


def test_bad_input_exits_1_with_file_and_line(tmp_path: Path, capsys) -> None:
    review = tmp_path / "review"
    run(capsys, "init", review)
    bad = tmp_path / "bad.nbib"
    bad.write_text("PMID- 1\nTI  - x.\nSO  - y\n\nnot a tag\n", encoding="utf-8")
    code, out, err = run(capsys, "import", review, bad)
    assert code == 1
    assert f"error: 2 problems in {bad}:" in err
    assert f"{bad}:5: line: not a MEDLINE tag line (got 'not a tag')" in err
    assert "Traceback" not in err
    code, out, err = run(capsys, "import", review, bad, "--quarantine")
    assert code == 0 and "1 records imported" in out and "1 quarantined to" in out
    assert len(list((review / "rejects").glob("bad.nbib.*.rejects.jsonl"))) == 1


def test_usage_errors_exit_2(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "import", tmp_path, "--bogus")
    assert code == 2 and "No such option: --bogus" in err
    review = tmp_path / "r"
    run(capsys, "init", review)
    code, _, err = run(capsys, "export", review, "--output", tmp_path / "x.txt")
    assert code == 2 and "the output must end in .csv or .ris" in err
    code, _, err = run(capsys, "import", review)
    assert code == 2 and "give export FILEs" in err


def test_errors_name_what_is_wrong(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "status", tmp_path / "nowhere")
    assert code == 1 and "not a litsieve review (no litsieve.toml)" in err
    review = tmp_path / "r"
    run(capsys, "init", review)
    code, _, err = run(capsys, "import", review, PUBMED, "--format", "risx")
    assert code == 2  # a usage error (tests/screening/test_cli_conventions.py)
    assert "Invalid value for --format: unknown format 'risx'; one of: " in err
    assert "medline" in err
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text('[review]\nname = "x"\nnmae = "y"\n', encoding="utf-8")
    code, _, err = run(capsys, "init", tmp_path / "r2", "--config", bad_config)
    assert code == 1 and f"{bad_config}: review.nmae: unknown key" in err
    assert not (tmp_path / "r2").exists()


def test_debug_shows_traceback(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "--debug", "status", tmp_path / "nowhere")
    assert code == 1 and "Traceback" in err


def test_console_script_and_help(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "litsieve"
    done = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    for command in ("init", "import", "status", "export", "formats"):
        assert command in done.stdout
    done = subprocess.run([str(exe), "status", str(tmp_path / "x")], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 1 and done.stderr.startswith("error: ")


def test_database_url_from_environment(store_target, tmp_path: Path, capsys, monkeypatch) -> None:
    """LITSIEVE_DATABASE_URL puts the store on PostgreSQL (or any URL) instead of SQLite."""
    if store_target.dialect == "sqlite":
        url = store_target.url
    else:
        url = f"{store_target.url}?options=-csearch_path%3D{store_target.schema}"
    monkeypatch.setenv("LITSIEVE_DATABASE_URL", url)
    review = tmp_path / "review"
    code, out, _ = run(capsys, "init", review)
    assert code == 0 and store_target.dialect in out
    assert run(capsys, "import", review, PUBMED)[0] == 0
    if store_target.dialect == "sqlite":
        with store_target.connect() as store:
            assert store.count_records() == 10
        return
    # On PostgreSQL the review has a schema of its own (see test_review_stores.py).
    assert not (review / "review.sqlite").exists()
    schema = review_schema(open_review(review).config.review.id)
    with open_review(review).open_store() as store:  # [store] url remembered at init
        assert store.count_records() == 10
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT current_schema()")).scalar() == schema
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.commit()


def test_init_errors_name_the_path(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "init", tmp_path / "r", "--config", tmp_path / "missing.toml")
    assert code == 1 and f"{tmp_path / 'missing.toml'}: config file not found" in err
    a_file = tmp_path / "plain.txt"
    a_file.write_text("x", encoding="utf-8")
    code, _, err = run(capsys, "init", a_file)
    assert code == 1 and f"{a_file}: exists and is not a directory" in err
