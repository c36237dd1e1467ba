"""Box names (JSON, the PRISMA2020 R package's CSV), source kinds and the [prisma] config."""

from __future__ import annotations

import csv
import dataclasses
import importlib
import io
import json

import pytest

from screening.errors import ConfigError
from screening.prisma import BOX_NAMES, SourceKind, counts_to_csv, counts_to_json, source_kind
from screening.prisma.boxes import CSV_COLUMNS
from screening.settings import parse_config
from tests.screening.prisma.builders import NEW, OTHER

R_TEMPLATE_NAMES = {
    "previous_studies", "previous_reports", "database_results", "database_specific_results",
    "register_results", "register_specific_results", "website_results",
    "organisation_results", "citations_results", "duplicates", "excluded_automatic",
    "excluded_other", "records_screened", "records_excluded", "dbr_sought_reports",
    "dbr_notretrieved_reports", "other_sought_reports", "other_notretrieved_reports",
    "dbr_assessed", "dbr_excluded", "other_assessed", "other_excluded", "new_studies",
    "new_reports", "total_studies", "total_reports",
}


def test_json_uses_the_r_package_box_names() -> None:
    data = json.loads(counts_to_json(NEW))
    assert set(BOX_NAMES) == R_TEMPLATE_NAMES
    assert set(data) == R_TEMPLATE_NAMES | {"litsieve"}
    assert data["database_specific_results"] == {"MEDLINE": 412, "Embase": 380, "CENTRAL": 98}
    assert (data["database_results"], data["register_results"]) == (890, 40)
    assert data["records_excluded"] == 650 and data["dbr_excluded"]["wrong_design"] == 14
    assert (data["previous_studies"], data["website_results"], data["other_excluded"]) == (
        None, None, None)
    assert (data["new_studies"], data["total_studies"]) == (7, 7)
    extra = data["litsieve"]
    assert extra["template"] == "new" and extra["other_methods"] is False
    assert (extra["records_excluded_human"], extra["records_excluded_automation"]) == (640, 10)
    assert extra["reason_labels"]["wrong_design"] == "Not a randomised controlled trial"
    assert extra["problems"] == []
    updated = json.loads(counts_to_json(dataclasses.replace(OTHER, previous_studies=3,
                                                            previous_reports=4)))
    assert (updated["previous_studies"], updated["total_studies"]) == (3, 11)
    assert (updated["citations_results"], updated["other_excluded"]) == (12, {"wrong_design": 12})
    assert updated["litsieve"]["template"] == "updated"


def test_csv_is_the_r_package_template() -> None:
    counts = dataclasses.replace(
        NEW, database_specific_results={"MEDLINE; Ovid": 412, "Embase": 380},
        reason_labels={**NEW.reason_labels, "wrong_outcome": "No pain outcome, or none usable"},
    )
    rows = list(csv.DictReader(io.StringIO(counts_to_csv(counts))))
    assert tuple(rows[0]) == CSV_COLUMNS
    by_name = {row["data"]: row for row in rows if row["data"] != "NA"}
    assert set(by_name) == R_TEMPLATE_NAMES | {"identification", "screening", "included"}
    assert by_name["database_results"]["n"] == "792"
    assert by_name["database_specific_results"]["n"] == "MEDLINE Ovid, 412; Embase, 380"
    assert by_name["dbr_excluded"]["n"] == (
        "Not adults with chronic non-cancer pain, 15; Not a randomised controlled trial, 14; "
        "No pain outcome or none usable, 8")
    assert by_name["previous_studies"]["n"] == "NA" and by_name["website_results"]["n"] == "NA"
    assert by_name["records_screened"]["box"] == "box4"
    assert by_name["records_screened"]["boxtext"] == "Records screened"
    headers = {row["box"]: row["boxtext"] for row in rows if row["data"] == "NA"}
    assert headers["newstud"] == "Identification of new studies via databases and registers"
    # the R package finds boxes with grep(name, data[, 1]): each name must match one row only
    names = [row["data"] for row in rows]
    for name in R_TEMPLATE_NAMES - {"total_studies", "total_reports"}:
        assert sum(name in other for other in names) == 1, name


@pytest.mark.parametrize(
    ("database", "kind"),
    [("PubMed", "database"), ("Embase", "database"), (None, "database"),
     ("ClinicalTrials.gov", "register"), ("clinicaltrials gov", "register"),
     ("WHO ICTRP", "register"), ("ISRCTN", "register"), ("Citation searching", "citation"),
     ("Reference lists", "citation"), ("Websites", "website"), ("Organisations", "organisation"),
     ("Google Scholar", "database")],
)
def test_source_kind_from_the_database_name(database: str | None, kind: str) -> None:
    assert source_kind(database) == SourceKind(kind)


def test_configured_source_kinds_win() -> None:
    overrides = {"Hand search of conference books": "citation", "PubMed": "register"}
    assert source_kind("hand search of conference books", overrides) == SourceKind.CITATION
    assert source_kind("PubMed", overrides) == SourceKind.REGISTER
    assert SourceKind.REGISTER.via_databases and not SourceKind.CITATION.via_databases


def test_prisma_config_section() -> None:
    config = parse_config(
        '[review]\nname = "x"\n[prisma]\nprevious_studies = 12\nprevious_reports = 15\n'
        '[prisma.source_kinds]\n"Hand searching" = "citation"\n', path="r.toml",
    )
    assert (config.prisma.previous_studies, config.prisma.previous_reports) == (12, 15)
    assert config.prisma.source_kinds == {"Hand searching": "citation"}
    default = parse_config('[review]\nname = "x"\n', path="r.toml").prisma
    assert default.previous_studies is None and default.source_kinds == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[prisma]\nprevious_studies = 3\n",
         "r.toml: prisma: Value error, give both previous_studies and previous_reports, or "
         "neither (got {'previous_studies': 3})"),
        ("[prisma]\nprevious_studies = 3\nprevious_reports = 2\n",
         "r.toml: prisma: Value error, previous_reports (2) is less than previous_studies (3); "
         "every study has at least one report"),
        ("[prisma]\nprevious_studies = -1\nprevious_reports = 2\n",
         "r.toml: prisma.previous_studies: Input should be greater than or equal to 0 (got -1)"),
        ('[prisma.source_kinds]\nX = "registry"\n',
         "r.toml: prisma.source_kinds.X: Input should be 'database', 'register', 'website', "
         "'organisation' or 'citation' (got 'registry')"),
        ("[prisma]\nprevious = 3\n", "r.toml: prisma.previous: unknown key"),
    ],
    ids=["studies-without-reports", "fewer-reports", "negative", "unknown-kind", "unknown-key"],
)
def test_prisma_config_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config('[review]\nname = "x"\n' + text, path="r.toml")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "module",
    ["screening.prisma", "screening.prisma.boxes", "screening.prisma.checks",
     "screening.prisma.contradictions", "screening.prisma.counts", "screening.prisma.diagram",
     "screening.prisma.kinds",
     "screening.prisma.studies", "screening.prisma.types", "screening.prisma.wording",
     "screening.decisions_import", "screening.cli.prisma"],
)
def test_public_names_are_sorted_and_exist(module: str) -> None:
    names = importlib.import_module(module).__all__
    assert names == sorted(names)
    assert all(hasattr(importlib.import_module(module), name) for name in names)
