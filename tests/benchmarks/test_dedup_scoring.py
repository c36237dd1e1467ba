"""The dedup benchmark's scoring: pairs, studies lost, and labels adjudicated by hand."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("dedup_benchmark", ROOT / "benchmarks" / "dedup.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

TRUTH = [["a1", "a2", "e1"], ["b1", "b2"]]
IDS = {"a1", "a2", "e1", "e2", "b1", "b2", "c1", "c2"}


def _changes(tmp_path: Path, *changes: dict) -> Path:
    path = tmp_path / "adjudications.json"
    path.write_text(json.dumps({"about": "test", "changes": list(changes)}))
    return path


def test_a_split_takes_the_records_out_of_their_cluster_together(tmp_path: Path) -> None:
    path = _changes(tmp_path, {"corpus": "stroke", "split": ["e1", "e2"], "reason": "erratum"})
    truth = [["a1", "a2", "e1", "e2"], ["b1", "b2"]]
    corrected = bench.adjudicate(truth, bench.load_adjudications(path), "stroke", IDS, path)
    assert sorted(corrected) == [["a1", "a2"], ["b1", "b2"], ["e1", "e2"]]


def test_a_join_unites_clusters_and_records_the_labels_left_alone(tmp_path: Path) -> None:
    path = _changes(tmp_path, {"corpus": "stroke", "join": ["a2", "b1", "c1"], "reason": "one"},
                    {"corpus": "cardiac", "join": ["c1", "c2"], "reason": "another corpus"})
    corrected = bench.adjudicate(TRUTH, bench.load_adjudications(path), "stroke", IDS, path)
    assert corrected == [["a1", "a2", "b1", "b2", "c1", "e1"]]


def test_scores_change_with_the_labels_the_same_for_every_tool(tmp_path: Path) -> None:
    # A tool that merged the erratum with its article, against one that kept it apart.
    path = _changes(tmp_path, {"corpus": "stroke", "split": ["e1"], "reason": "erratum"})
    corrected = bench.adjudicate(TRUTH, bench.load_adjudications(path), "stroke", IDS, path)
    merged, apart = [["a1", "a2", "e1"]], [["a1", "a2"]]
    before = bench.score(merged, TRUTH), bench.score(apart, TRUTH)
    assert [s["recall"] for s in before] == [0.75, 0.25]
    after = bench.score(merged, corrected), bench.score(apart, corrected)
    assert [(s["tp"], s["false_pairs"], s["studies_lost"]) for s in after] == [(1, 2, 1), (1, 0, 0)]


@pytest.mark.parametrize(("change", "message"), [
    ({"corpus": "stroke", "reason": "x"}, "change 1: give exactly one of 'join' or 'split'"),
    ({"corpus": "stroke", "join": ["a1"], "split": ["a2"], "reason": "x"},
     "change 1: give exactly one of 'join' or 'split'"),
    ({"corpus": "stroke", "join": ["a1"], "reason": "x"},
     "change 1: 'join' needs a list of 2 or more record ids"),
    ({"corpus": "stroke", "split": "a1", "reason": "x"},
     "change 1: 'split' needs a list of 1 or more record ids"),
    ({"corpus": "strokes", "split": ["a1"], "reason": "x"}, "change 1: unknown corpus 'strokes'"),
    ({"corpus": "stroke", "split": ["a1"], "reason": " "}, "change 1: say why (a 'reason')"),
])
def test_a_malformed_adjudication_names_the_file_and_the_change(tmp_path: Path, change: dict,
                                                                message: str) -> None:
    path = _changes(tmp_path, change)
    with pytest.raises(ValueError) as error:
        bench.load_adjudications(path)
    assert str(error.value) == f"{path}: {message}"


def test_an_adjudication_of_a_record_the_corpus_lacks_is_an_error(tmp_path: Path) -> None:
    path = _changes(tmp_path, {"corpus": "stroke", "split": ["e1"], "reason": "ok"},
                    {"corpus": "stroke", "join": ["a1", "zz9"], "reason": "typo in an id"})
    with pytest.raises(ValueError) as error:
        bench.adjudicate(TRUTH, bench.load_adjudications(path), "stroke", IDS, path)
    assert str(error.value) == f"{path}: change 2: no record zz9 in corpus stroke"


def test_the_projects_adjudications_are_well_formed_and_each_says_why() -> None:
    changes = bench.load_adjudications(bench.ADJUDICATIONS)
    assert len(changes) == 19
    assert all(len(change["reason"]) > 40 for change in changes)
    # Each record is adjudicated once at most, so the order of the changes cannot matter.
    listed = [(c["corpus"], i) for c in changes for i in c.get("join", c.get("split"))]
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize(("text", "message"), [
    ('{"about": "no changes"}', "not an adjudications file (a JSON object with a list "
                                "'changes'): 'changes'"),
    ("[1, 2", "not an adjudications file (a JSON object with a list 'changes'): "),
    ('{"changes": {"corpus": "stroke"}}', "'changes' must be a list"),
])
def test_a_file_that_is_no_adjudications_file_is_named(tmp_path: Path, text: str,
                                                       message: str) -> None:
    path = tmp_path / "adjudications.json"
    path.write_text(text)
    with pytest.raises(ValueError) as error:
        bench.load_adjudications(path)
    assert str(error.value).startswith(f"{path}: {message}")
