"""``litsieve votes replay``: two reviewers' votes cast through the web app's code."""

from __future__ import annotations

import csv
from pathlib import Path

from screening.cli import main
from screening.prisma import prisma_counts
from screening.review_dir import open_review

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "config" / "example.toml"


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_replay_dual_votes_with_a_conflict_and_its_resolution(tmp_path: Path, capsys,
                                                              monkeypatch) -> None:
    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    review = tmp_path / "review"
    assert run(capsys, "init", review, "--config", EXAMPLE)[0] == 0
    config = review / "litsieve.toml"
    config.write_text(config.read_text(encoding="utf-8")
                      + "\n[screening]\nvotes = 2\n[screening.full_text]\nvotes = 1\n",
                      encoding="utf-8")
    assert run(capsys, "import", review)[0] == 0
    assert run(capsys, "dedup", review)[0] == 0
    with open_review(review).open_store() as store:
        duplicates = {d.record_id for d in store.latest_record_decisions(stage="deduplication")}
        kept = [k.record_id for k in store.record_keys() if k.record_id not in duplicates]
    assert len(kept) == 13
    rows = []
    for i, record in enumerate(kept):
        ann = "include" if i < 3 else "exclude"
        bob = "include" if i < 4 else "exclude"  # record 3: a conflict
        rows += [(record, "title_abstract", "ann", ann, "", ""),
                 (record, "title_abstract", "bob", bob, "", "")]
    rows.append((kept[3], "title_abstract", "lea", "exclude", "wrong_design",
                 "resolution: a cohort study"))
    rows += [(kept[0], "full_text", "ann", "include", "", ""),
             (kept[1], "full_text", "bob", "exclude", "wrong_population", ""),
             (kept[2], "full_text", "ann", "not_retrieved", "", "")]
    path = tmp_path / "votes.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "stage", "reviewer", "vote", "reason", "note"])
        writer.writerows(rows)
    code, out, err = run(capsys, "votes", "replay", review, path, "--retrain-every", "4")
    assert code == 0, err
    assert "title/abstract votes: ann 13, bob 13; full-text votes: ann 2, bob 1" in out
    assert "Decided: 13 at title/abstract, 3 at full text; 1 conflicts, 1 resolved by the " \
           "lead" in out
    with open_review(review).open_store() as store:
        counts = prisma_counts(store)
        ranked = [d for d in store.latest_record_decisions(stage="title_abstract")
                  if d.params_hash and d.params_hash != "import-order"]
    assert (counts.records_screened, counts.records_excluded) == (13, 10)
    assert (counts.dbr_sought_reports, counts.dbr_notretrieved_reports) == (3, 1)
    assert counts.new_studies == 1
    assert ranked, "decisions taken after the first ranking carry its params hash"
    # again: every vote is there, so the queue offers nothing and nothing is added
    code, out, _ = run(capsys, "votes", "replay", review, path)
    assert code == 0 and "Decided: 0 at title/abstract, 0 at full text; 0 conflicts" in out
    assert "30 votes and resolutions were in the review already" in out
    with open_review(review).open_store() as store:
        assert prisma_counts(store) == counts


def test_a_vote_for_an_unknown_record_names_the_line(tmp_path: Path, capsys,
                                                     monkeypatch) -> None:
    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    review = tmp_path / "review"
    assert run(capsys, "init", review, "--config", EXAMPLE)[0] == 0
    assert run(capsys, "import", review)[0] == 0
    path = tmp_path / "votes.csv"
    path.write_text("native_id,stage,reviewer,vote\n99999999,title_abstract,ann,include\n",
                    encoding="utf-8")
    code, _, err = run(capsys, "votes", "replay", review, path)
    assert code == 1
    assert f"{path}:2: native_id: no record of this review has this id (got '99999999')" in err
    assert "nothing was replayed; fix the file" in err


def test_replay_errors_name_the_file_and_what_is_missing(tmp_path: Path, capsys,
                                                         monkeypatch) -> None:
    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    review = tmp_path / "review"
    assert run(capsys, "init", review, "--config", EXAMPLE)[0] == 0
    assert run(capsys, "import", review)[0] == 0
    code, _, err = run(capsys, "votes", "replay", review, tmp_path / "none.csv")
    assert code == 1 and f"error: {tmp_path / 'none.csv'}: no such file" in err
    header = tmp_path / "header.csv"
    header.write_text("native_id,reviewer\n31002418,ann\n", encoding="utf-8")
    code, _, err = run(capsys, "votes", "replay", review, header)
    assert code == 1
    assert f"{header}:1: header: missing column (got 'stage')" in err
    assert f"{header}:1: header: missing column (got 'vote')" in err
    assert "nothing was replayed; fix the header" in err
    gap = tmp_path / "gap.csv"  # ann's vote for the first record of the queue is missing
    gap.write_text("native_id,database,stage,reviewer,vote\n"
                   "29877102,PubMed,title_abstract,ann,include\n", encoding="utf-8")
    code, _, err = run(capsys, "votes", "replay", review, gap)
    assert code == 1
    assert "ann has no vote for record" in err and "which the queue offers them next" in err
