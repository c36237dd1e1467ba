"""RIS reader on the real exports under ../shared/data/exports: spot checks per flavour."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.readers.ris import RisReader

pytestmark = pytest.mark.shared

# (file, record index, title start, doi, pmid, year, number of authors, database, native id)
SPOT_CHECKS = [
    ("embase/asreview__embase.ris", 0, "Duplication cysts: Diagnosis, management",
     "10.4103/2303-9027.138783", None, 2014, 2, "Embase", "L373791783"),
    ("embase/cff___baseline_embase.ris", 0, "Cellular structure of dinosaur scales re",
     "10.1038/s41467-024-48400-3", "38773066", 2024, 4, "Embase", "L2029880245"),
    ("ovid/asreview__ovid_psycinfo.ris", 0, "The influence of self-criticism on depre",
     "10.1002/cpp.2398", None, 2019, 5, "PsycINFO", "2019-65183-001"),
    ("ovid/cff___baseline_eric_ovid.ris", 0, "Creationism and the Dinosaur Boom.",
     None, None, 1989, 1, "ERIC", "EJ389705"),
    ("ovid/cff___baseline_psychInfo_ovid.ris", 0, "DINOSAUR: An integrated cognitive-behavi",
     "10.1186/s11689-021-09396-9", None, 2021, 2, "PsycINFO", "2021-94054-001"),
    ("ovid/synthesisr__Ovid_ris_example.ris", 0, "Detection of retention trees on clearcut",
     "10.4236/ojf.2020.101008", None, 2020, 4, "CAB Abstracts", "20203152553"),
    ("cochrane/cff___baseline_cochrane_endnote.ris", 0,
     "The Incredible Years Therapeutic Dinosau", "10.1186/1745-6215-12-39", "21314913",
     2011, 5, "Cochrane CENTRAL", "CN-00778158"),
    ("cochrane/cff___baseline_cochrane_procite.ris", 0,
     "The Incredible Years Therapeutic Dinosau", "10.1186/1745-6215-12-39", "21314913",
     2011, 5, "Cochrane CENTRAL", "CN-00778158"),
    ("scopus/asreview__scopus.ris", 0, "Stress and the brain-gut axis in functio",
     "10.1016/j.psyneuen.2019.104501", None, 2020, 4, "Scopus", "2-s2.0-85074596690"),
    ("scopus/cff___baseline_scopus.ris", 0, "Global latitudinal gradients and the evo",
     "10.1038/s41467-024-46843-2", None, 2024, 8, "Scopus", "2-s2.0-85189760133"),
    ("scopus/revtools__restoration_scopus.ris", 0, "LONG-TERM FOLLOW-UP OF RETINAL PIGMENT E",
     "10.1097/icb.0000000000000530", None, 2019, 3, "Scopus", "2-s2.0-85041488703"),
    ("wos/ASySD__wos_test.ris", 0, "Microangiography of the humeral condyle ",
     None, None, 1999, 4, "Web of Science", "WOS:000082252000006"),
    ("wos/asreview__web_of_science.txt", 0, "Holding Yourself Captive: Perceptions of",
     "10.1016/j.jarmac.2018.03.001", None, 2018, 3, "Web of Science", "WOS:000444108200009"),
    ("wos/cff___baseline_webofscience.ris", 0, "New Horned Dinosaurs from Utah Provide E",
     "10.1371/journal.pone.0012292", None, 2010, 7, "Web of Science", "WOS:000282053100002"),
    # DB "aph" is Academic Search Premier, whatever the file name says.
    ("ebsco/cff___baseline_cinahl.ris", 0, "Osteohistological insight into the growt",
     "10.1371/journal.pone.0298242", None, 2024, 5, "Academic Search Premier", "176404503"),
    ("ebsco/CiteSource__gambling-harms_psycinfo_124.ris", 0,
     "Frameworks of gambling harms: A comparat", "10.1080/16066359.2022.2113071", None, 2022,
     3, "PsycINFO", "2022-96522-001"),
    ("ris_refmanager/cff___baseline_endnote.ris", 0, "Description of a new specimen of Haploca",
     "10.1002/ar.25520", None, 2024, 4, "Embase", "L2030246463"),
    ("ris_refmanager/asreview__pubmed_endnote.txt", 0, "Boswellia serrata: an overall assessment",
     "10.2165/11586800-000000000-00000", "21553931", 2011, 3, "PubMed", "21553931"),
    ("ris_refmanager/cff___baseline_zotero.ris", 0, "Cellular structure of dinosaur scales re",
     "10.1038/s41467-024-48400-3", None, 2024, 4, "Embase", "L2029880245"),
    ("ris_refmanager/CiteSource__medline_84.ris", 0, "Short-Term Exposure to Wildfire-Specific",
     "10.2337/dc24-0703", "39012781", 2024, 28, "MEDLINE", "39012781"),
    ("ris_refmanager/cff___baseline_mendeley.ris", 0, "Description of a new specimen of Haploca",
     "10.1002/ar.25520", None, 2024, 4, "Embase", "L2030246463"),
    ("ris_refmanager/cff___baseline_refworks.ris", 0, "Description of a new specimen of Haploca",
     "10.1002/ar.25520", None, 2024, 4, "Embase", "L2030246463"),
    ("ris_refmanager/cff___baseline_rayyan.ris", 0, "Cellular structure of dinosaur scales re",
     "10.1038/s41467-024-48400-3", None, 2024, 4, "Embase", "L2029880245"),
    ("ris_refmanager/asreview__ris_issue_992.txt", 0, "Overcoming Medication Reconciliation Cha",
     None, None, 2011, 0, None, "rayyan-264552525"),
    ("ris_refmanager/cff___baseline_covidence_endnote.ris", 0,
     "Cellular structure of dinosaur scales re", "10.1038/s41467-024-48400-3", None, 2024, 4,
     "Embase", "L2029880245"),
    ("ris_refmanager/cff___baseline_eppireviewer.ris", 0,
     "A juvenile bird with possible crown-grou", "10.1186/s12862-024-02210-9", None, 2024, 1,
     "Embase", "L643474277"),
]


@pytest.mark.parametrize(
    ("relpath", "index", "title", "doi", "pmid", "year", "n_authors", "database", "native_id"),
    SPOT_CHECKS,
    ids=[row[0] for row in SPOT_CHECKS],
)
def test_spot_check(
    shared_exports: Path, relpath: str, index: int, title: str, doi: str | None,
    pmid: str | None, year: int, n_authors: int, database: str | None, native_id: str,
) -> None:
    result = RisReader().read(shared_exports / relpath)
    assert result.rejects == []
    record = result.records[index]
    assert record.title.startswith(title)
    assert (record.doi, record.pmid, record.year) == (doi, pmid, year)
    assert len(record.authors) == n_authors
    assert (record.source.database, record.native_id) == (database, native_id)


def test_embase_every_record_has_its_ids(shared_exports: Path) -> None:
    records = RisReader().read(shared_exports / "embase/cff___baseline_embase.ris").records
    assert len(records) == 10
    assert all(r.embase_id and r.embase_id == r.native_id for r in records)
    assert all(r.pmid and r.doi for r in records)  # every one has C5 and DO
    assert sum(r.abstract is None for r in records) == 2
    # Embase.com writes "DB  - Medline" alone on some records: they are Embase's all the same.
    assert {r.source.database for r in records} == {"Embase"}


def test_ovid_psycinfo_tag_after_er(shared_exports: Path) -> None:
    records = RisReader().read(shared_exports / "ovid/asreview__ovid_psycinfo.ris").records
    assert all(len(r.raw["NL"]) == 1 for r in records)
    assert records[0].raw["NL"] == ["Clin Psychol Psychother"]
    assert records[0].pages is None  # "SP  - No" / "EP  - Specified"


def test_cochrane_cross_database_ids(shared_exports: Path) -> None:
    path = shared_exports / "cochrane/cff___baseline_cochrane_endnote.ris"
    records = RisReader().read(path).records
    assert [r.pmid for r in records] == ["21314913", "38407106", "37362617"]
    assert records[1].embase_id == "L643589775"  # "C3  -  PUBMED 38407106,EMBASE 643589775"
    assert records[1].pages == "1279-1297"  # U+2010 in SP
    assert all(not (r.doi or "").startswith("10.1002/central") for r in records)


def test_scopus_2019_reference_lines_stay_in_n1(shared_exports: Path) -> None:
    records = RisReader().read(shared_exports / "scopus/asreview__scopus.ris").records
    n1_values = sum(len(r.raw.get("N1", [])) for r in records)
    assert n1_values >= 789  # every untagged reference line is a value of N1
    assert all(r.source.database == "Scopus" for r in records)


def test_medline_via_zotero_has_every_pmid(shared_exports: Path) -> None:
    records = RisReader().read(shared_exports / "ris_refmanager/CiteSource__medline_84.ris").records
    assert len(records) == 84
    assert all(r.pmid and r.pmid == r.native_id for r in records)
    assert all(r.issue is None or "," not in r.issue for r in records)


def test_wos_lone_cr_splits_tags(shared_exports: Path) -> None:
    records = RisReader().read(shared_exports / "wos/ASySD__wos_test.ris").records
    assert all(r.native_id and r.native_id.startswith("WOS:") for r in records)
    assert all(all("\n" not in v for v in r.raw.get("AD", [])) for r in records)
