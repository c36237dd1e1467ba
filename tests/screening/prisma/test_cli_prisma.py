"""``litsieve decisions import`` and ``litsieve prisma`` on the example review."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from screening.cli import main

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "config" / "example.toml"
DECISIONS = ROOT / "tests" / "data" / "decisions" / "ketamine_decisions.csv"


@pytest.fixture(autouse=True)
def _sqlite_only(monkeypatch) -> None:
    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def review(tmp_path: Path, capsys) -> Path:
    directory = tmp_path / "review"
    assert run(capsys, "init", directory, "--config", EXAMPLE)[0] == 0
    assert run(capsys, "import", directory)[0] == 0
    assert run(capsys, "dedup", directory)[0] == 0  # 4 Embase records are PubMed's too
    return directory


def test_a_review_without_decisions_does_not_add_up(review: Path, capsys) -> None:
    code, out, err = run(capsys, "prisma", review)
    assert code == 1 and out == ""
    assert err.startswith("error: the PRISMA 2020 counts do not add up:\n"
                          "records identified from databases (17) + registers (0) = 17, but ")
    assert "; 13 records await title/abstract screening\n" in err
    assert "`litsieve prisma --draft` draws it anyway" in err
    code, out, err = run(capsys, "prisma", review, "--draft")
    assert code == 0 and err.startswith("warning: records identified from databases (17)")
    data = json.loads(out)
    assert data["database_specific_results"] == {"PubMed": 10, "Embase": 7}
    assert data["litsieve"]["awaiting_screening"] == 13
    assert len(data["litsieve"]["problems"]) == 1
    code, out, _ = run(capsys, "prisma", review, "--draft", "-f", "png")
    assert code == 0 and "(new review, databases and registers, draft)" in out
    assert (review / "prisma.png").read_bytes()[:4] == b"\x89PNG"


def test_decisions_import_then_every_output(review: Path, tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, "decisions", "import", review, DECISIONS)
    assert code == 0, err
    assert f"{DECISIONS}: 28 decisions imported (extraction include: 4, " in out
    assert f"{DECISIONS}: ignored columns: title" in out
    code, out, _ = run(capsys, "decisions", "import", review, DECISIONS)
    assert code == 0 and "already imported" in out and "nothing added" in out

    code, out, err = run(capsys, "prisma", review)
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["database_results"], data["duplicates"], data["records_screened"]) == (17, 4, 13)
    assert (data["records_excluded"], data["dbr_sought_reports"]) == (5, 8)
    assert (data["dbr_notretrieved_reports"], data["dbr_assessed"]) == (1, 7)
    assert data["dbr_excluded"] == {"wrong_design": 1, "wrong_outcome": 1, "wrong_population": 1}
    assert (data["new_studies"], data["new_reports"]) == (3, 4)
    assert data["litsieve"]["problems"] == []

    target = tmp_path / "out" / "prisma.csv"
    code, out, _ = run(capsys, "prisma", review, "--output", target)
    assert code == 0 and f"Wrote the PRISMA 2020 counts to {target}" in out
    rows = {row["data"]: row["n"] for row in csv.DictReader(target.open(encoding="utf-8"))}
    assert rows["records_screened"] == "13" and rows["new_studies"] == "3"
    for fmt, magic in (("svg", b"<?xml"), ("pdf", b"%PDF-"), ("png", b"\x89PNG")):
        code, out, _ = run(capsys, "prisma", review, "--format", fmt)
        assert code == 0
        assert f"(new review, databases and registers) to {review / ('prisma.' + fmt)}" in out
        assert (review / f"prisma.{fmt}").read_bytes().startswith(magic)


def test_an_updated_review_takes_its_previous_counts_from_the_config(
    review: Path, capsys
) -> None:
    config = review / "litsieve.toml"
    config.write_text(config.read_text(encoding="utf-8")
                      + "\n[prisma]\nprevious_studies = 4\nprevious_reports = 6\n",
                      encoding="utf-8")
    assert run(capsys, "decisions", "import", review, DECISIONS)[0] == 0
    code, out, _ = run(capsys, "prisma", review, "-f", "json")
    data = json.loads(out)
    assert (data["previous_studies"], data["total_studies"], data["total_reports"]) == (4, 7, 10)
    assert data["litsieve"]["template"] == "updated"
    code, out, _ = run(capsys, "prisma", review, "-o", review / "p.svg")
    assert code == 0 and "(updated review, databases and registers)" in out
    svg = (review / "p.svg").read_text(encoding="utf-8")
    assert "Previous studies" in svg and "Total studies included in review" in svg


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "png", "--output", "x.svg"], "the output 'x.svg' does not end in .png"),
        (["--output", "x.txt"], "cannot tell the format from 'x.txt'; give --format"),
        (["--format", "gif"], "'gif' is not one of"),
    ],
    ids=["suffix-mismatch", "unknown-suffix", "unknown-format"],
)
def test_usage_errors_exit_2(review: Path, capsys, args: list[str], message: str) -> None:
    code, _, err = run(capsys, "prisma", review, *args)
    assert code == 2 and message in " ".join(err.split())


def test_a_bad_decisions_file_exits_1_naming_file_line_and_known_reasons(
    review: Path, tmp_path: Path, capsys
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("native_id,stage,decision,reason,reviewer\n"
                   "31002418,full_text,exclude,dose,alice\n", encoding="utf-8")
    code, out, err = run(capsys, "decisions", "import", review, bad)
    assert code == 1 and out == ""
    assert err == (
        f"error: 1 problem in {bad}:\n"
        f"{bad}:2: reason: unknown exclusion reason; known: wrong_population, "
        "wrong_intervention, wrong_comparator, wrong_design, wrong_outcome (got 'dose')\n"
        "nothing was imported; fix the file and import it again\n"
    )
    assert "Traceback" not in err


def test_times_without_a_zone_are_read_in_the_review_timezone_and_said_once(
    review: Path, tmp_path: Path, capsys
) -> None:
    config = review / "litsieve.toml"
    text = config.read_text(encoding="utf-8")
    name = 'name = "IV ketamine for chronic pain"'
    config.write_text(text.replace(name, f'{name}\ntimezone = "Asia/Tokyo"'), encoding="utf-8")
    path = tmp_path / "rayyan.csv"
    path.write_text("native_id,database,stage,decision,reviewer,time\n"
                    "31002418,PubMed,title_abstract,include,ar,2024-05-02 09:00\n"
                    "29877102,PubMed,title_abstract,include,ar,2024-05-02 09:05\n",
                    encoding="utf-8")
    code, out, err = run(capsys, "decisions", "import", review, path)
    assert code == 0, err
    assert out.count("no time zone") == 1
    assert (f"{path}: 2 times had no time zone and were read as Asia/Tokyo (the review's "
            "[review] timezone)") in out
    config.write_text(text.replace(name, f'{name}\ntimezone = "Mars/Base"'), encoding="utf-8")
    code, _, err = run(capsys, "status", review)
    assert code == 1 and "review.timezone: Value error, unknown time zone 'Mars/Base'" in err
