"""The dedup flow on a Dask LocalCluster (2 worker processes) gives the in-process clusters."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from screening.dedup import deduplicate

ROOT = Path(__file__).resolve().parents[2]
CASES = json.loads((ROOT / "tests" / "data" / "dedup_cases.json").read_text())


def _frame() -> pd.DataFrame:
    rows = []
    for number, case in enumerate(CASES):
        for side in ("record_a", "record_b"):
            row = dict(case[side])
            row["record_id"] = f"{case['id']}:{side[-1]}:{number}"
            rows.append(row)
    return pd.DataFrame(rows)


def _clusters(result) -> set[frozenset[str]]:
    groups = result.clusters.groupby("cluster_id")["record_id"].apply(frozenset)
    return {group for group in groups if len(group) > 1}


@pytest.mark.usefixtures("prefect_harness")
def test_dask_cluster_gives_the_in_process_clusters() -> None:
    from flows.dedup import dask_runner, dedup_frame

    frame = _frame()
    expected = deduplicate(frame)
    assert _clusters(expected)  # the fixture has duplicates to find
    flow = dedup_frame.with_options(task_runner=dask_runner(n_workers=2))
    result = flow(frame, chunk_size=5)  # many small chunks: many tasks on both workers
    assert _clusters(result) == _clusters(expected)
    pairs = ["record_a", "record_b", "outcome", "rule_id"]
    got = result.pairs[pairs].sort_values(pairs).reset_index(drop=True)
    want = expected.pairs[pairs].sort_values(pairs).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want)


@pytest.mark.usefixtures("prefect_harness")
def test_dedup_review_flow_records_what_the_cli_records(tmp_path: Path, monkeypatch) -> None:
    from flows.dedup import dedup_review
    from screening.cli import main

    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    review = tmp_path / "review"
    assert main(["init", str(review), "--config", str(ROOT / "config" / "example.toml")]) == 0
    assert main(["import", str(review)]) == 0
    result = dedup_review(str(review), chunk_size=3)
    assert result == {"duplicate_records": 4, "maybe": 0, "new_links": 4, "new_decisions": 4}
    assert dedup_review(str(review))["new_links"] == 0  # re-running adds nothing
