"""`litsieve export` for the people writing a review up: abstracts, filters by the latest
decision at a stage, decisions with reasons and reviewers, dedup link ids, standard RIS.

Every test drives the command line on a small review made here: two RIS exports (Embase
and Scopus) sharing one study, deduplicated, and a decisions file from two reviewers.
The same tests run on SQLite and, given LITSIEVE_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import rispy

from screening.cli import main
from screening.readers.ris import RisReader
from screening.review_dir import open_review
from screening.store import EXPORT_COLUMNS
from tests.screening.conftest import drop_review_schemas

EMBASE = """\
TY  - JOUR
AN  - EMB1
TI  - Intravenous ketamine for chronic low back pain: a randomised trial
AU  - Smith, John
AU  - Ünal, Berk
PY  - 2020
T2  - Pain
VL  - 12
IS  - 3
SP  - 100
EP  - 110
DO  - 10.1000/ket.1
AB  - Ketamine may relieve chronic low back pain in adults.
ER  -

TY  - JOUR
AN  - EMB2
TI  - Ketamine infusion in children with burns
AU  - Lee, Ann
PY  - 2019
T2  - Burns
DO  - 10.1000/ket.2
AB  - Children with burns received ketamine.
ER  -

TY  - JOUR
AN  - EMB3
TI  - Oral ketamine for neuropathic pain: a crossover trial
AU  - Garcia, Maria
AU  - Chen, Wei
PY  - 2021
T2  - Eur J Pain
DO  - 10.1000/ket.3
AB  - Oral ketamine in neuropathic pain.
ER  -
"""

# SCO1 is EMB1 from another database (same DOI): deduplication links the two.
SCOPUS = """\
TY  - JOUR
AN  - SCO1
TI  - Intravenous ketamine for chronic low back pain: a randomised trial
AU  - Smith, J.
AU  - Unal, B.
PY  - 2020
T2  - Pain
DO  - 10.1000/KET.1
ER  -

TY  - JOUR
AN  - SCO2
TI  - Ketamine and magnesium for fibromyalgia: a placebo-controlled trial
AU  - Brown, Kate
PY  - 2022
T2  - Rheumatology
DO  - 10.1000/ket.4
AB  - Adults with fibromyalgia.
ER  -
"""

# EMB3: ann excluded it, then bob included it (the latest decision, whoever took it, counts).
DECISIONS = """\
native_id,database,stage,decision,reason,reviewer,time
EMB1,Embase,title_abstract,include,,ann,2024-05-01T10:00:00Z
EMB2,Embase,title_abstract,include,,ann,2024-05-01T10:01:00Z
EMB3,Embase,title_abstract,exclude,,ann,2024-05-01T10:02:00Z
EMB3,Embase,title_abstract,include,,bob,2024-05-02T09:00:00Z
SCO2,Scopus,title_abstract,include,,ann,2024-05-01T10:03:00Z
EMB1,Embase,full_text,include,,bob,2024-06-01T10:00:00Z
EMB2,Embase,full_text,exclude,wrong_population,bob,2024-06-01T10:01:00Z
SCO2,Scopus,full_text,exclude,wrong_design,bob,2024-06-01T10:02:00Z
"""

CONFIG = """\
[review]
name = "Export test review"

[criteria.reasons]
wrong_population = "Not adults with chronic non-cancer pain"
wrong_design = "Not a randomised controlled trial"
"""

TITLES = {
    "EMB1": "Intravenous ketamine for chronic low back pain: a randomised trial",
    "EMB2": "Ketamine infusion in children with burns",
    "EMB3": "Oral ketamine for neuropathic pain: a crossover trial",
    "SCO1": "Intravenous ketamine for chronic low back pain: a randomised trial",
    "SCO2": "Ketamine and magnesium for fibromyalgia: a placebo-controlled trial",
}


@pytest.fixture
def backend(store_target, monkeypatch, tmp_path) -> Iterator[str]:
    """The store the reviews live in: SQLite in the review directory, or the PostgreSQL
    server (a schema per review, dropped afterwards)."""
    if store_target.dialect == "sqlite":
        monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
        yield "sqlite"
        return
    monkeypatch.setenv("LITSIEVE_DATABASE_URL", store_target.url)
    yield "postgresql"
    drop_review_schemas(store_target.url, tmp_path)


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def cli(capsys, *args: object) -> str:
    code, out, err = run(capsys, *args)
    assert code == 0, err
    return out


@pytest.fixture
def review(backend: str, tmp_path: Path, capsys) -> Path:
    """A deduplicated review with decisions at both screening stages."""
    files = {name: tmp_path / name for name in ("protocol.toml", "embase.ris", "scopus.ris",
                                                 "decisions.csv")}
    for (_, path), text in zip(files.items(), (CONFIG, EMBASE, SCOPUS, DECISIONS), strict=True):
        path.write_text(text, encoding="utf-8")
    directory = tmp_path / "review"
    cli(capsys, "init", directory, "--config", files["protocol.toml"])
    assert (directory / "review.sqlite").exists() == (backend == "sqlite")
    cli(capsys, "import", directory, files["embase.ris"], "--database", "Embase")
    cli(capsys, "import", directory, files["scopus.ris"], "--database", "Scopus")
    assert "1 duplicate records in 1 clusters" in cli(capsys, "dedup", directory)
    assert "8 decisions imported" in cli(capsys, "decisions", "import", directory,
                                         files["decisions.csv"])
    return directory


def export_csv(capsys, review: Path, path: Path, *options: str) -> list[dict[str, str]]:
    out = cli(capsys, "export", review, "-o", path, *options)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert f"Wrote {len(rows)} records" in out
    return rows


def by_native(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["native_id"]: row for row in rows}


def the_link(review: Path) -> tuple[int, str, str]:
    with open_review(review).open_store() as store:
        (link,) = store.latest_links(outcome="duplicate")
    return link.link_id, link.record_a, link.record_b


def test_csv_has_abstracts_links_and_decisions_with_reasons_and_reviewers(
    review: Path, tmp_path: Path, capsys
) -> None:
    path = tmp_path / "all.csv"
    rows = export_csv(capsys, review, path)
    with path.open(encoding="utf-8", newline="") as handle:
        assert tuple(next(csv.reader(handle))) == EXPORT_COLUMNS
    assert "abstract" in EXPORT_COLUMNS and "dedup_links" in EXPORT_COLUMNS
    found = by_native(rows)
    assert sorted(found) == sorted(TITLES)
    assert found["EMB1"]["abstract"] == "Ketamine may relieve chronic low back pain in adults."
    assert found["SCO1"]["abstract"] == ""  # Scopus gave none

    emb1, sco1 = found["EMB1"]["record_id"], found["SCO1"]["record_id"]
    link_id, *pair = the_link(review)
    assert sorted(pair) == sorted([emb1, sco1])
    # Both records of the cluster show the link that joins them, and the other record.
    assert found["EMB1"]["dedup_links"] == f"{link_id} ({sco1})"
    assert found["SCO1"]["dedup_links"] == f"{link_id} ({emb1})"
    assert found["EMB1"]["cluster_id"] == found["SCO1"]["cluster_id"] == emb1
    assert (found["EMB1"]["is_canonical"], found["SCO1"]["is_canonical"]) == ("true", "false")
    assert found["EMB2"]["dedup_links"] == found["EMB2"]["cluster_id"] == ""

    # The latest decision per stage: outcome, reason (its description from the protocol),
    # reviewer; stages in review order; one cell.
    assert found["EMB2"]["decisions"] == (
        "title_abstract: include (human:ann); "
        "full_text: exclude — Not adults with chronic non-cancer pain (human:bob)"
    )
    assert found["EMB1"]["decisions"] == (
        "title_abstract: include (human:ann); full_text: include (human:bob)"
    )
    assert found["EMB3"]["decisions"] == "title_abstract: include (human:bob)"  # bob's, later
    assert re.fullmatch(rf"deduplication: duplicate of {re.escape(emb1)} "
                        r"\(model:litsieve-dedup@[^)]+\)", found["SCO1"]["decisions"])

    # The link id shown is the one `litsieve dedup --undo` takes.
    assert f"Link {link_id} undone" in cli(capsys, "dedup", review, "--undo", link_id,
                                           "--reviewer", "ann")
    found = by_native(export_csv(capsys, review, tmp_path / "undone.csv"))
    assert found["EMB1"]["dedup_links"] == found["SCO1"]["dedup_links"] == ""
    assert found["SCO1"]["is_canonical"] == "true" and found["SCO1"]["cluster_id"] == ""
    assert found["SCO1"]["decisions"].startswith("deduplication: include (model:litsieve-dedup@")


def test_filters_by_the_latest_decision_at_a_stage(review: Path, tmp_path: Path,
                                                    capsys) -> None:
    included = export_csv(capsys, review, tmp_path / "included.csv",
                          "--stage", "full_text", "--outcome", "include")
    assert [row["native_id"] for row in included] == ["EMB1"]
    assert included[0]["title"] == TITLES["EMB1"]

    # The full-text exclusions with their reasons (PRISMA's "reports excluded, with reasons").
    excluded = export_csv(capsys, review, tmp_path / "excluded.csv",
                          "--stage", "full_text", "--outcome", "exclude")
    assert {row["native_id"]: row["decisions"].split("; ")[-1] for row in excluded} == {
        "EMB2": "full_text: exclude — Not adults with chronic non-cancer pain (human:bob)",
        "SCO2": "full_text: exclude — Not a randomised controlled trial (human:bob)",
    }

    # Names in any case; the latest decision across reviewers counts (EMB3: bob's include).
    screened_in = export_csv(capsys, review, tmp_path / "ta.csv",
                             "--stage", "Title_Abstract", "--outcome", "INCLUDE")
    assert sorted(row["native_id"] for row in screened_in) == ["EMB1", "EMB2", "EMB3", "SCO2"]
    assert export_csv(capsys, review, tmp_path / "none.csv", "--stage", "title_abstract",
                      "--outcome", "exclude") == []

    # A stage alone: every record with a decision there.
    assessed = export_csv(capsys, review, tmp_path / "ft.csv", "--stage", "full_text")
    assert sorted(row["native_id"] for row in assessed) == ["EMB1", "EMB2", "SCO2"]

    # Without the records deduplication marked as duplicates: one row per study.
    unique = export_csv(capsys, review, tmp_path / "unique.csv", "--no-duplicates")
    assert sorted(row["native_id"] for row in unique) == ["EMB1", "EMB2", "EMB3", "SCO2"]
    out = cli(capsys, "export", review, "-o", tmp_path / "x.csv", "--stage", "full_text",
              "--outcome", "include", "--no-duplicates")
    assert "Wrote 1 records (--stage full_text --outcome include --no-duplicates)" in out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--outcome", "include"],
         "Invalid value for --outcome: an outcome is that of the latest decision at one "
         "stage: add --stage title_abstract or --stage full_text"),
        (["--stage", "screening"],
         "Invalid value for --stage: unknown stage 'screening'; one of: full_text, "
         "title_abstract"),
        (["--stage", "full_text", "--outcome", "included"],
         "Invalid value for --outcome: unknown full_text outcome 'included'; one of: "
         "exclude, include, maybe, not_retrieved"),
        (["--stage", "title_abstract", "--outcome", "not_retrieved"],
         "Invalid value for --outcome: unknown title_abstract outcome 'not_retrieved'; one "
         "of: exclude, excluded_automation, include, maybe"),
        (["--stage", "deduplication", "--outcome", "duplicate"],
         "Invalid value for --stage: unknown stage 'deduplication'; one of: full_text, "
         "title_abstract"),
    ],
)
def test_bad_filters_are_usage_errors(tmp_path: Path, capsys, monkeypatch, options,
                                      message) -> None:
    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    review = tmp_path / "review"
    cli(capsys, "init", review)
    for name in ("bad.csv", "bad.ris"):
        code, _, err = run(capsys, "export", review, "-o", tmp_path / name, *options)
        assert code == 2
        assert message in " ".join(err.split())  # typer may wrap the message
        assert not (tmp_path / name).exists()


def test_ris_is_standard_and_round_trips(review: Path, tmp_path: Path, capsys) -> None:
    path = tmp_path / "all.ris"
    assert "Wrote 5 records" in cli(capsys, "export", review, "-o", path)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "TY  - JOUR"  # no reference number before TY
    assert not any(re.fullmatch(r"\s*\d+\.\s*", line) for line in lines)
    assert text.count("\nTY  - ") + 1 == text.count("ER  - ") == 5
    assert all(line[:2].isalnum() and line[2:6] == "  - " for line in lines if line)

    csv_rows = by_native(export_csv(capsys, review, tmp_path / "all.csv"))
    expected = sorted(
        (row["record_id"], row["title"], row["authors"], row["year"], row["doi"])
        for row in csv_rows.values()
    )

    # rispy reads the same records.
    with path.open(encoding="utf-8") as handle:
        entries = rispy.load(handle)
    assert sorted(
        (e["id"], e["title"], "; ".join(e["authors"]), e["year"], e["doi"]) for e in entries
    ) == expected
    notes = {e["accession_number"]: e["notes"] for e in entries}
    emb1, sco1 = csv_rows["EMB1"]["record_id"], csv_rows["SCO1"]["record_id"]
    link_id, *_ = the_link(review)
    assert f"litsieve: duplicate of {emb1} (link {link_id})" in notes["SCO1"]
    assert f"litsieve: duplicates of this record: {sco1} (link {link_id})" in notes["EMB1"]
    assert ("litsieve: full_text exclude — Not adults with chronic non-cancer pain "
            "(human:bob)") in notes["EMB2"]
    assert "litsieve: title_abstract include (human:bob)" in notes["EMB3"]
    assert {e["accession_number"]: e.get("abstract") for e in entries}["EMB2"] == (
        "Children with burns received ketamine.")

    # litsieve's own reader reads the same records (its id kept in ID).
    read = RisReader().read(path)
    records = read.records
    assert read.rejects == [] and len(records) == 5
    assert sorted(
        (r.raw["ID"][0], r.title, "; ".join(r.authors), str(r.year), r.doi) for r in records
    ) == expected

    # And `litsieve import` of the export into another review.
    other = tmp_path / "other"
    cli(capsys, "init", other)
    assert "5 records imported" in cli(capsys, "import", other, path)
    again = export_csv(capsys, other, tmp_path / "again.csv")
    assert sorted((r["title"], r["authors"], r["year"], r["doi"]) for r in again) == sorted(
        item[1:] for item in expected)
    assert {r["native_id"]: r["abstract"] for r in again}["EMB1"] == (
        csv_rows["EMB1"]["abstract"])


def test_ris_obeys_the_filters(review: Path, tmp_path: Path, capsys) -> None:
    path = tmp_path / "excluded.ris"
    out = cli(capsys, "export", review, "-o", path, "--stage", "full_text", "--outcome",
              "exclude")
    assert "Wrote 2 records (--stage full_text --outcome exclude)" in out
    with path.open(encoding="utf-8") as handle:
        entries = rispy.load(handle)
    assert sorted(e["accession_number"] for e in entries) == ["EMB2", "SCO2"]
    assert path.read_text(encoding="utf-8").startswith("TY  - ")
    reasons = {e["accession_number"]: [n for n in e["notes"] if "full_text" in n]
               for e in entries}
    assert reasons == {
        "EMB2": ["litsieve: full_text exclude — Not adults with chronic non-cancer pain "
                 "(human:bob)"],
        "SCO2": ["litsieve: full_text exclude — Not a randomised controlled trial "
                 "(human:bob)"],
    }
    unique = tmp_path / "unique.ris"
    assert "Wrote 4 records" in cli(capsys, "export", review, "-o", unique, "--no-duplicates")
    with unique.open(encoding="utf-8") as handle:
        assert "SCO1" not in {e["accession_number"] for e in rispy.load(handle)}



def test_the_included_studies_export_is_the_extraction_forms_study_list(
    review: Path, tmp_path: Path, capsys
) -> None:
    """`extract template` reads DIR/exports/included.csv, which this export writes."""
    included = review / "exports" / "included.csv"
    cli(capsys, "export", review, "-o", included, "--stage", "full_text", "--outcome", "include")
    form = tmp_path / "form.csv"
    out = cli(capsys, "extract", "template", review, "--output", form, "--outcome", "pain")
    assert "(1 study x 1 outcome x 2 arms)" in out and "example rows" not in out
    with form.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2
    assert {row["record_id"] for row in rows} == {by_native(export_csv(
        capsys, review, tmp_path / "all.csv"))["EMB1"]["record_id"]}
