"""A garbled field is a warning, never a reason to lose a record (both store engines).

Each format's file holds a record with a garbled field and a good one. The import needs no
--quarantine; the garbled record is stored with the field empty and its raw value kept,
its warning is reported by the import, stored, listed per source and exported, it can be
screened like any other, and PRISMA counts it like any other.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.decisions_import import import_decisions
from screening.ingest import import_file
from screening.prisma import prisma_counts

GOOD_RIS = "TY  - JOUR\nTI  - A good record\nAU  - Wu, Y\nPY  - 2019\nER  -\n"
MEDLINE = ("PMID- {pmid}\nDP  - {year}\nTI  - {title}.\nFAU - Li, Xiu\n"
           "SO  - Chin J. {year};1(1):1-2.\n")
XML = ("<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article><Journal><JournalIssue>"
       "<PubDate><Year>{year}</Year></PubDate></JournalIssue></Journal>"
       "<ArticleTitle>{title}</ArticleTitle></Article></MedlineCitation></PubmedArticle>\n")
WOS = ("PT J\nAU Li, X\nTI {title}\nSO CHINESE JOURNAL\nPY {year}\nUT WOS:{pmid}\nER\n\n")
BIB = ("@article{{k{pmid},\n  title = {{{title}}},\n  author = {{Li, Xiu}},\n"
       "  year = {{{year}}}\n}}\n")
TITLE = "Effect of electroacupuncture on behaviour in depression rats"

CASES = {
    # name: (file name, text, field, line, value, the raw key holding the value)
    "ris": ("export.ris", f"TY  - JOUR\nTI  - {TITLE}\nAU  - Li, X\nPY  - 219\nER  -\n\n"
            + GOOD_RIS, "year", 1, "219", "PY"),
    "medline": ("export.nbib", MEDLINE.format(pmid="11", year="219", title=TITLE) + "\n"
                + MEDLINE.format(pmid="12", year="2019", title="A good record"),
                "year", 1, "219", "DP"),
    "pubmed_xml": ("export.xml", "<PubmedArticleSet>\n"
                   + XML.format(pmid="11", year="975", title=TITLE)
                   + XML.format(pmid="12", year="2019", title="A good record")
                   + "</PubmedArticleSet>\n", "year", 2, "975",
                   "MedlineCitation/Article/Journal/JournalIssue/PubDate/Year"),
    "wos_text": ("savedrecs.txt", "FN Clarivate Analytics Web of Science\nVR 1.0\n"
                 + WOS.format(pmid="000000000000011", year="MMXIX", title=TITLE)
                 + WOS.format(pmid="000000000000012", year="2019", title="A good record")
                 + "EF\n", "year", 3, "MMXIX", "PY"),
    "bibtex": ("export.bib", BIB.format(pmid="11", year="twenty-one", title=TITLE) + "\n"
               + BIB.format(pmid="12", year="2019", title="A good record"),
               "year", 1, "twenty-one", "year"),
    "pubmed_csv": ("pubmed.csv", "PMID,Title,Authors,Citation,First Author,Journal/Book,"
                   "Publication Year,Create Date,PMCID,NIHMS ID,DOI\n"
                   f"pending,{TITLE},Li X,Chin J. 2019;1(1):1-2.,Li X,Chin J,2019,,,,\n"
                   "35500002,A good record,Wu Y,Chin J. 2019;1(1):3-4.,Wu Y,Chin J,2019,,,,\n",
                   "pmid", 2, "pending", "PMID"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_garbled_field_imports_with_a_warning_and_is_screened(
    case: str, store, tmp_path: Path
) -> None:
    name, text, field, line, value, raw_key = CASES[case]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    message = "not a PMID" if field == "pmid" else "not a year"
    report = import_file(store, path, run_id=store.begin_run("import", {}))
    assert (report.n_records, report.n_rejects) == (2, 0)
    assert [(str(w), w.level) for w in report.warnings] == [
        (f"{path}:{line}: {field}: {message} (got '{value}')", "field")]
    # Stored with the field empty, the raw value kept, the warning kept.
    (garbled,) = [r for r in store.iter_records() if r.title.startswith("Effect")]
    assert getattr(garbled, field) is None and value in garbled.raw[raw_key][0]
    assert garbled.warnings == report.warnings
    assert [w for _, w in store.iter_warnings()] == list(report.warnings)
    rows = {row["record_id"]: row for row in store.export_rows(warnings=True)}
    assert rows[garbled.record_id]["warnings"] == str(report.warnings[0])
    assert rows[garbled.record_id]["status"] == "ok"
    # No PRISMA box changes: both records wait for screening, none removed.
    before = prisma_counts(store)
    assert (before.awaiting_screening, before.excluded_other) == (2, 0)
    # Screened like any other record.
    decisions = tmp_path / "decisions.csv"
    decisions.write_text("record_id,stage,decision,reviewer,time\n" + "".join(
        f"{r.record_id},title_abstract,include,ar,2024-05-02T09:0{i}:00Z\n"
        for i, r in enumerate(store.iter_records())))
    import_decisions(store, decisions, reasons={})
    after = prisma_counts(store)
    assert (after.records_screened, after.awaiting_screening, after.excluded_other) == (2, 0, 0)


def test_the_cli_prints_the_first_twenty_warnings_and_all_with_verbose(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    from screening.cli import main

    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    records = "".join(f"TY  - JOUR\nTI  - Record {i}\nPY  - {100 + i}\nER  -\n\n"
                      for i in range(25))
    path = tmp_path / "many.ris"
    path.write_text(records, encoding="utf-8")
    review = tmp_path / "review"
    assert main(["init", str(review)]) == 0
    capsys.readouterr()
    assert main(["import", str(review), str(path)]) == 0
    output = capsys.readouterr().out
    assert "25 warnings (field problems: the records were imported" in output
    assert f"{path}:1: year: not a year (got '100')" in output
    assert f"{path}:96: year: not a year (got '119')" in output  # the 20th
    assert "(got '120')" not in output
    assert "... and 5 more (--verbose lists all" in output
    assert main(["status", str(review)]) == 0
    status = capsys.readouterr().out
    assert "Warnings of many.ris" in status and "(got '124')" not in status
    assert main(["status", str(review), "--verbose"]) == 0
    assert "(got '124')" in capsys.readouterr().out
    exported = tmp_path / "records.csv"
    assert main(["export", str(review), "--output", str(exported), "--warnings"]) == 0
    assert exported.read_text().count("not a year") == 25
    capsys.readouterr()
    assert main(["export", str(review), "--output", str(tmp_path / "r.ris"), "--warnings"]) == 2
    assert "warnings are exported to CSV only (FILE.csv)" in capsys.readouterr().err
