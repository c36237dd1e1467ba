"""The extraction template and the comparison of two extractors' forms."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from extraction.compare import compare_extractions
from extraction.errors import ExtractionInputError
from extraction.schema import COLUMNS, load_extraction
from extraction.template import (
    EXAMPLE_NOTE,
    IncludedStudy,
    config_outcomes,
    read_included,
    study_labels,
    write_template,
)


def test_labels_are_surname_year_and_unique() -> None:
    studies = [IncludedStudy("1", "t", "Smith J; Doe A", "2019"),
               IncludedStudy("2", "t", "Smith, John", "2019"),
               IncludedStudy("3", "t", "Jane van Dyke", "2020"),
               IncludedStudy("4", "t", "", "")]
    assert study_labels(studies) == ["Smith 2019a", "Smith 2019b", "Dyke 2020", "4"]


def test_template_from_included_studies_xlsx(tmp_path: Path) -> None:
    included = tmp_path / "included.csv"
    included.write_text("record_id,title,authors,year\n1:1,Ketamine for pain,Smith J,2019\n"
                        "1:2,Another trial,Lee K; Park S,2021\n", encoding="utf-8")
    result = write_template(tmp_path / "form.xlsx", included=read_included(included),
                            outcomes=["pain", "nausea"])
    assert (result.rows, result.studies, result.examples) == (8, 2, False)
    book = load_workbook(result.path, read_only=True)
    rows = list(book["extraction"].iter_rows(values_only=True))
    assert list(rows[0]) == list(COLUMNS)
    assert rows[1][:6] == ("1:1", "Smith 2019", None, "pain", None, "intervention")
    assert {r[1] for r in rows[1:]} == {"Smith 2019", "Lee 2021"}
    assert "notes" in book.sheetnames
    book.close()


def test_template_without_included_studies_has_marked_examples(tmp_path: Path) -> None:
    result = write_template(tmp_path / "form.csv", included=None, outcomes=[])
    assert result.examples and result.outcomes == ("outcome",)
    rows = list(csv.DictReader(result.path.open(encoding="utf-8")))
    assert all(r["notes"].startswith(EXAMPLE_NOTE) for r in rows)
    extraction = load_extraction(result.path)  # the examples are themselves valid
    assert len(extraction.studies("outcome")) == 2


def test_outcomes_from_the_review_config(tmp_path: Path) -> None:
    config = tmp_path / "litsieve.toml"
    config.write_text('[review]\nname = "x"\n[pooling.outcomes.pain]\nfile = "f.csv"\n'
                      'measure = "MD"\n[pooling.outcomes.ae]\nfile = "f.csv"\nmeasure = "RR"\n'
                      'outcome = "adverse events"\n', encoding="utf-8")
    assert config_outcomes(config) == ["pain", "adverse events"]
    assert config_outcomes(tmp_path / "absent.toml") == []


def test_included_csv_must_have_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "included.csv"
    path.write_text("record_id,title\n1,x\n", encoding="utf-8")
    with pytest.raises(ExtractionInputError, match=r"included.csv:1: authors: required column"):
        read_included(path)


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text("study,outcome,timepoint,arm,group,n,mean,sd\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")
    return path


def test_compare_lists_every_disagreement(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.csv", ["S,pain,,drug,intervention,30,3.10,1.2",
                                    "S,pain,,placebo,control,29,4.0,1.4",
                                    "T,pain,,drug,intervention,20,2,1"])
    b = _write(tmp_path / "b.csv", ["S,pain,,drug,intervention,30,3.1,1.3",
                                    "S,pain,,placebo,control,28,4.0,1.4",
                                    "U,pain,,drug,intervention,20,2,1"])
    found = [str(d) for d in compare_extractions(a, b)]
    assert found == [
        f"S / pain / drug: sd: A='1.2' ({a}:2) B='1.3' ({b}:2)",
        f"S / pain / placebo: n: A='29' ({a}:3) B='28' ({b}:3)",
        f"T / pain / drug: only in A ({a}:4)",
        f"U / pain / drug: only in B ({b}:4)",
    ]


def test_compare_identical_forms(tmp_path: Path) -> None:
    rows = ["S,pain,,drug,intervention,30,3.1,1.2", "S,pain,,placebo,control,29,4,1.4"]
    assert compare_extractions(_write(tmp_path / "a.csv", rows),
                               _write(tmp_path / "b.csv", rows)) == []
