"""Importing files into a store: one transaction, problems listed, quarantine, re-import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from screening.dedup.service import run_dedup
from screening.errors import EncodingError, InputFormatError, UnknownFormatError
from screening.ingest import import_file

DATA = Path(__file__).resolve().parents[1] / "data" / "exports"
PUBMED = DATA / "medline" / "ketamine_pubmed.nbib"


def _record(pmid: str, title: str = "A title", so: bool = True) -> str:
    text = f"PMID- {pmid}\nDP  - 2020\nTI  - {title}.\nFAU - Doe, Jane\n"
    return text + ("SO  - J Test. 2020.\n" if so else "")


def _write(tmp_path: Path, text: str | bytes, name: str = "export.nbib") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_import_and_reimport(store, tmp_path: Path) -> None:
    run = store.begin_run("import", {})
    report = import_file(store, PUBMED, run_id=run)
    assert (report.n_records, report.n_rejects, report.already_imported) == (10, 0, False)
    assert report.export_format == "medline" and report.database == "PubMed"
    assert store.count_records() == 10
    again = import_file(store, PUBMED, run_id=run)
    assert again.already_imported and again.source_id == report.source_id
    assert store.count_records() == 10
    (source,) = store.sources()
    assert (source.n_records, source.export_format, source.name) == (10, "medline", PUBMED.name)
    records = list(store.iter_records())
    assert records[0].record_id == f"{report.source_id}:1"
    assert records[0].pmid == "31002418"


def test_problems_stop_the_import_and_write_nothing(store, tmp_path: Path) -> None:
    text = _record("1") + "\n" + "garbage line\n" + _record("2") + "\n" + _record("3", so=False)
    path = _write(tmp_path, text)
    with pytest.raises(InputFormatError) as info:
        import_file(store, path, run_id=store.begin_run("import", {}))
    message = str(info.value)
    assert message.startswith(f"2 problems in {path}:\n")
    assert f"{path}:7: line: not a MEDLINE tag line (got 'garbage line')" in message
    assert f"{path}:17: SO: last record ends without its SO line" in message
    assert "nothing was imported" in message
    assert store.sources() == [] and store.count_records() == 0


def test_quarantine_keeps_good_records_and_writes_rejects(store, tmp_path: Path) -> None:
    text = _record("1") + "\n" + "garbage line\n" + _record("2") + "\n" + _record("3")
    path = _write(tmp_path, text)
    rejects_dir = tmp_path / "rejects"
    report = import_file(store, path, run_id=store.begin_run("import", {}), quarantine=True,
                         rejects_dir=rejects_dir)
    assert (report.n_records, report.n_rejects) == (2, 1)
    assert [r.pmid for r in store.iter_records()] == ["1", "3"]
    (row,) = [json.loads(line) for line in report.rejects_path.read_text().splitlines()]
    assert row["line_start"] == 7 and row["line_end"] == 12
    assert row["raw_text"].startswith("garbage line\nPMID- 2\nDP  - 2020")
    assert row["problems"] == [f"{path}:7: line: not a MEDLINE tag line (got 'garbage line')"]
    assert store.count_records(status="unparseable") == 1
    assert store.decision_counts() == {("identification", "unparseable"): 1}


@pytest.mark.parametrize("parallel", [False, True])  # read here, or in a second process
def test_same_pmid_twice_in_one_file_imports_both_with_a_warning(
    store, tmp_path: Path, parallel: bool
) -> None:
    path = _write(tmp_path, _record("7") + "\n" + _record("8") + "\n" + _record("7", "Again"))
    report = import_file(store, path, run_id=store.begin_run("import", {}), parallel=parallel)
    assert (report.n_records, report.n_rejects) == (3, 0)
    assert [(str(w), w.level) for w in report.warnings] == [
        (f"{path}:13: native_id: id 7 appears twice in this file (first at line 1) (got '7')",
         "field")]
    again = [r for r in store.iter_records() if r.title == "Again"]
    assert [(r.pmid, r.warnings) for r in again] == [("7", report.warnings)]
    # Deduplication links the two records of one PMID.
    run = store.begin_run("dedup", {})
    summary = run_dedup(store, run_id=run)
    store.finish_run(run, "ok", {})
    assert summary.n_duplicate_records == 1
    (link,) = store.latest_links(outcome="duplicate")
    assert link.rule_id == "pmid_match"


def test_more_than_twenty_problems_are_summarised(store, tmp_path: Path) -> None:
    text = "\n".join(f"stray {i}\n" for i in range(30))
    path = _write(tmp_path, _record("1") + "\n" + text)
    with pytest.raises(InputFormatError) as info:
        import_file(store, path, run_id=store.begin_run("import", {}))
    message = str(info.value)
    assert message.startswith(f"60 problems in {path}:")
    assert "... and 40 more (60 in total)" in message
    assert len([line for line in message.splitlines() if line.startswith(str(path))]) == 20


def test_latin1_bytes_are_an_encoding_error(store, tmp_path: Path) -> None:
    path = _write(tmp_path, _record("1").replace("A title", "Caf\xe9").encode("latin-1"))
    with pytest.raises(EncodingError, match=rf"{path}:3: encoding: bytes that are not valid utf-8"):
        import_file(store, path, run_id=store.begin_run("import", {}))
    report = import_file(store, path, run_id=store.begin_run("import", {}), encoding="latin-1")
    assert [r.title for r in store.iter_records()] == ["Café"]
    assert report.n_records == 1


def test_unknown_and_empty_files(store, tmp_path: Path) -> None:
    run = store.begin_run("import", {})
    with pytest.raises(UnknownFormatError,
                       match=r"notes\.txt:1: format: not a known export format"):
        import_file(store, _write(tmp_path, "just some notes\n", "notes.txt"), run_id=run)
    with pytest.raises(UnknownFormatError, match=r"empty\.ris:1: file: the file is empty"):
        import_file(store, _write(tmp_path, b"", "empty.ris"), run_id=run)
    with pytest.raises(InputFormatError,
                       match=r"empty\.nbib:1: file: no records: the file is empty"):
        import_file(store, _write(tmp_path, b"", "empty.nbib"), run_id=run, export_format="medline")
    assert store.sources() == []


@pytest.mark.parametrize("quarantine", [False, True], ids=["clean", "quarantine"])
def test_reading_in_a_second_process_stores_the_same(store, tmp_path: Path,
                                                     quarantine: bool) -> None:
    """parallel=True (used for large files) gives exactly the rows of the in-process path."""
    text = PUBMED.read_text(encoding="utf-8")
    if quarantine:
        text += "\n\nnot a record\n\n" + _record("999")
    # Two copies that differ only by a final empty line: same records, another source.
    copies = [_write(tmp_path, text, "a.nbib"), _write(tmp_path, text + "\n", "b.nbib")]
    stored = []
    for path, parallel in zip(copies, (False, True), strict=True):
        report = import_file(store, path, run_id=store.begin_run("import", {}),
                             parallel=parallel, quarantine=quarantine, rejects_dir=tmp_path)
        assert (report.n_records, report.n_rejects) == ((11, 1) if quarantine else (10, 0))
        stored.append([
            (r.record_id.split(":")[1], r.title, r.doi, r.authors, dict(r.raw), r.source.line_end)
            for r in store.iter_records(source_id=report.source_id)
        ])
        assert len(list(store.iter_rejects(source_id=report.source_id))) == int(quarantine)
    assert stored[0] == stored[1]
    assert len(stored[0]) == (11 if quarantine else 10)


def test_problems_found_in_a_second_process_are_reported(store, tmp_path: Path) -> None:
    path = _write(tmp_path, _record("1") + "\n" + _record("2", so=False))
    with pytest.raises(InputFormatError, match=r"the file looks truncated"):
        import_file(store, path, run_id=store.begin_run("import", {}), parallel=True)
    assert store.sources() == []


def test_a_missing_file_is_named(store, tmp_path: Path) -> None:
    from screening.errors import ReviewError

    with pytest.raises(ReviewError, match=r"nowhere\.nbib: no such file"):
        import_file(store, tmp_path / "nowhere.nbib", run_id=store.begin_run("import", {}))
    assert store.sources() == []
