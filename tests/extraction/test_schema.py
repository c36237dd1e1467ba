"""The extraction form and plain study tables: validation with file:row: column: messages."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from openpyxl import Workbook

from extraction.conversions import combine_groups, mean_sd_from_quantiles
from extraction.errors import ExtractionInputError
from extraction.inputs import load_studies
from extraction.schema import load_extraction
from extraction.studies import BinaryStudy, ContinuousStudy, GenericStudy

HEADER = "study,outcome,timepoint,arm,group,subgroup,n,mean,sd,se,median,q1,q3,events,total,notes"


def form(tmp_path: Path, *rows: str, name: str = "form.csv", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


GOOD = (
    "Smith 2019,pain,24 h,ketamine,intervention,,30,3.1,1.2,,,,,,,",
    "Smith 2019,pain,24 h,placebo,control,,29,4.0,,0.26,,,,,,",
    "Jones 2020,pain,24 h,ketamine,intervention,,25,,,,3,2,5,,,",
    "Jones 2020,pain,24 h,placebo,control,,24,4.2,1.5,,,,,,,",
    "Smith 2019,nausea,24 h,ketamine,intervention,,,,,,,,,5,30,",
    "Smith 2019,nausea,24 h,placebo,control,,,,,,,,,2,29,",
)


def test_a_valid_form_gives_studies_with_conversions(tmp_path: Path) -> None:
    loaded = load_studies(form(tmp_path, *GOOD), outcome="pain")
    assert loaded.outcome == "pain" and loaded.timepoint == "24 h"
    smith, jones = loaded.studies
    assert isinstance(smith, ContinuousStudy) and smith.where == f"{tmp_path / 'form.csv'}:2"
    assert smith.sd2 == pytest.approx(0.26 * math.sqrt(29))
    expected = mean_sd_from_quantiles(n=25, median=3, q1=2, q3=5)
    assert (jones.mean1, jones.sd1) == pytest.approx((expected.mean, expected.sd))
    assert any(":3: sd from se" in note for note in loaded.notes)
    assert any(":4: mean and sd from the median" in note for note in loaded.notes)
    nausea = load_studies(tmp_path / "form.csv", outcome="nausea").studies
    assert nausea == (BinaryStudy("Smith 2019", 5, 30, 2, 29, None, f"{tmp_path / 'form.csv'}:6"),)


def test_arms_with_the_same_group_are_combined(tmp_path: Path) -> None:
    path = form(tmp_path,
                "A,pain,,low dose,intervention,,10,2.0,1.0,,,,,,,",
                "A,pain,,high dose,intervention,,12,3.0,1.5,,,,,,,",
                "A,pain,,placebo,control,,11,4.0,1.2,,,,,,,",
                "B,ae,,low dose,intervention,,,,,,,,,1,10,",
                "B,ae,,high dose,intervention,,,,,,,,,2,12,",
                "B,ae,,placebo,control,,,,,,,,,3,11,")
    (study,) = load_studies(path, outcome="pain").studies
    n, mean, sd = combine_groups(10, 2.0, 1.0, 12, 3.0, 1.5)
    assert (study.n1, study.mean1, study.sd1) == pytest.approx((n, mean, sd))
    (binary,) = load_studies(path, outcome="ae").studies
    assert (binary.events1, binary.total1) == (3, 22)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("A,pain,,drug,intervention,,30,3.1,,,,,,,,", ":2: sd: missing (give sd, se, or ci_low "
                                                      "and ci_high)"),
        ("A,pain,,drug,intervention,,30,3.1,-1.2,,,,,,,", ":2: sd: must be positive (got '-1.2')"),
        ("A,pain,,drug,intervention,,1,3.1,1.2,,,,,,,", ":2: n: must be at least 2 (an SD needs "
                                                        "two participants) (got '1')"),
        ("A,pain,,drug,intervention,,,3.1,1.2,,,,,,,", ":2: n: missing (participants analysed "
                                                       "in the arm)"),
        ("A,pain,,drug,intervention,,,,,,,,,12,10,", ":2: events: more events than participants "
                                                     "(total 10) (got '12')"),
        ("A,pain,,drug,intervention,,,,,,,,,0,0,", ":2: total: must be at least 1 (an arm with "
                                                   "no participants) (got '0')"),
        ("A,pain,,drug,intervention,,,,,,,,,-1,10,", ":2: events: must not be negative (got '-1')"),
        ("A,pain,,drug,intervention,,30,abc,1.2,,,,,,,", ":2: mean: not a number (got 'abc')"),
        ("A,pain,,drug,treatment,,30,3.1,1.2,,,,,,,", ":2: group: must be one of intervention, "
                                                      "control, comparison (got 'treatment')"),
        (",pain,,drug,intervention,,30,3.1,1.2,,,,,,,", ":2: study: missing"),
        ("A,pain,,drug,intervention,,30,,,,4,,,,,", ":2: median: needs q1 and q3, or min and "
                                                    "max, to be converted"),
        ("A,pain,,drug,intervention,,30,3,1,,,,,2,30,",
         ":2: data: mixes continuous and dichotomous columns; use one kind per row"),
    ],
    ids=["missing-sd", "negative-sd", "n-1", "missing-n", "events-over-total", "total-0",
         "negative-events", "not-a-number", "bad-group", "no-study", "median-alone", "mixed"],
)
def test_bad_rows_are_reported_with_file_row_and_column(tmp_path: Path, row, message) -> None:
    path = form(tmp_path, row, "A,pain,,placebo,control,,29,4.0,1.0,,,,,,,")
    with pytest.raises(ExtractionInputError) as caught:
        load_extraction(path)
    assert f"{path}{message}" in str(caught.value)


def test_all_problems_are_listed_in_one_pass(tmp_path: Path) -> None:
    path = form(tmp_path,
                "A,pain,,drug,intervention,,30,3.1,,,,,,,,",
                "A,pain,,placebo,control,,29,4.0,-1,,,,,,,",
                "B,pain,,drug,intervention,,30,3.1,1.0,,,,,,,")
    with pytest.raises(ExtractionInputError) as caught:
        load_extraction(path)
    text = str(caught.value)
    assert text.startswith(f"3 problems in {path}:\n")
    assert f"{path}:2: sd: missing" in text
    assert f"{path}:3: sd: must be positive (got '-1')" in text
    assert f"{path}:4: group: study 'B', outcome 'pain': no control arm" in text


def test_structural_problems(tmp_path: Path) -> None:
    dup = form(tmp_path, "A,pain,,drug,intervention,,30,3.1,1,,,,,,,",
               "A,pain,,drug,intervention,,30,3.1,1,,,,,,,",
               "A,pain,,placebo,control,,30,3.1,1,,,,,,,", name="dup.csv")
    with pytest.raises(ExtractionInputError,
                       match=r"dup.csv:3: arm: the same study, outcome, time point and arm as "
                             r"row 2 \(got 'drug'\)"):
        load_extraction(dup)
    mixed = form(tmp_path, "A,pain,,drug,intervention,,30,3.1,1,,,,,,,",
                 "A,pain,,placebo,control,,30,3.1,1,,,,,,,",
                 "B,pain,,drug,intervention,,,,,,,,,1,10,",
                 "B,pain,,placebo,control,,,,,,,,,1,10,", name="mixed.csv")
    with pytest.raises(ExtractionInputError, match=r"mixed.csv:4: data: dichotomous data, but "
                                                   r"outcome 'pain' has continuous data in row 2"):
        load_extraction(mixed)
    unknown = form(tmp_path, "A,pain,,drug,intervention,30,3.1,1", name="unknown.csv",
                   header="study,outcome,timepoint,arm,group,n,mean,stdev")
    with pytest.raises(ExtractionInputError, match=r"unknown.csv:1: stdev: unknown column"):
        load_extraction(unknown)
    missing = form(tmp_path, "A,pain,drug,30", name="missing.csv", header="study,outcome,arm,n")
    with pytest.raises(ExtractionInputError,
                       match=r"missing.csv:1: group: required column is missing"):
        load_extraction(missing)


def test_row_numbers_are_file_lines_past_multiline_cells(tmp_path: Path) -> None:
    path = form(tmp_path,
                'A,pain,,drug,intervention,,30,3.1,1.2,,,,,,,"two\nlines"',
                "A,pain,,placebo,control,,29,4.0,,,,,,,,")
    with pytest.raises(ExtractionInputError, match=rf"{path}:4: sd: missing"):
        load_extraction(path)


def test_xlsx_forms_give_sheet_row_numbers(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "extraction"
    sheet.append(HEADER.split(","))
    sheet.append(["A", "pain", None, "drug", "intervention", None, 30, 3.1, 1.2])
    sheet.append([None])
    sheet.append(["A", "pain", None, "placebo", "control", None, 29, 4.0, -2])
    path = tmp_path / "form.xlsx"
    book.save(path)
    with pytest.raises(ExtractionInputError, match=rf"{path}:4: sd: must be positive \(got '-2'\)"):
        load_extraction(path)


def test_outcome_and_timepoint_must_be_chosen_when_there_are_several(tmp_path: Path) -> None:
    path = form(tmp_path, *GOOD)
    with pytest.raises(ExtractionInputError,
                       match=r"form.csv:1: outcome: the file has several \('pain', 'nausea'\); "
                             r"choose one with --outcome"):
        load_studies(path)
    with pytest.raises(ExtractionInputError,
                       match=r"outcome: 'mood' is not in the file \(found: 'pain', 'nausea'\)"):
        load_studies(path, outcome="mood")


def test_a_comparison_row_gives_a_generic_study(tmp_path: Path) -> None:
    header = "study,outcome,arm,group,estimate,estimate_se,estimate_variance"
    path = form(tmp_path, "A,hr,adjusted,comparison,-0.2,0.1,",
                "B,hr,adjusted,comparison,0.1,,0.04", header=header)
    a, b = load_studies(path).studies
    assert a == GenericStudy("A", -0.2, 0.1, None, f"{path}:2")
    assert isinstance(b, GenericStudy) and b.se == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("header", "row", "message"),
    [
        ("study,mean1,sd1,n1,mean2,sd2,n2", "A,1,,10,2,1,10", ":2: sd1: missing value"),
        ("study,mean1,sd1,n1,mean2,sd2,n2", "A,1,-1,10,2,1,10",
         ":2: sd1: must be positive (got '-1')"),
        ("study,mean1,sd1,n1,mean2,sd2,n2", "A,1,1,1,2,1,10",
         ":2: n1: must be at least 2 (an SD needs two) (got '1')"),
        ("study,events1,total1,events2,total2", "A,12,10,2,10",
         ":2: events1: more events than participants (total1 = 10) (got '12')"),
        ("study,events1,total1,events2,total2", "A,0,0,2,10",
         ":2: total1: must be at least 1 (an arm with no participants) (got '0')"),
        ("study,estimate,variance", "A,0.2,-0.1", ":2: variance: must be positive (got '-0.1')"),
        ("study,estimate,se", "A,0.2,x", ":2: se: not a number (got 'x')"),
        ("study,mean1,sd1,n1", "A,1,1,10",
         ":1: columns: none of the column sets: mean1,sd1,n1,mean2,sd2,n2"),
        ("study,events1,total1,events2,total2,weight", "A,1,10,2,10",
         ":1: weight: unknown column for dichotomous data"),
    ],
    ids=["missing-sd", "negative-sd", "n-1", "events-over-total", "total-0", "variance",
         "se-text", "no-column-set", "unknown-column"],
)
def test_plain_tables(tmp_path: Path, header, row, message) -> None:
    other = ",".join(["B"] + ["1"] * (len(header.split(",")) - 1))
    path = form(tmp_path, row, other, header=header)
    with pytest.raises(ExtractionInputError) as caught:
        load_studies(path)
    assert f"{path}{message}" in str(caught.value)


def test_plain_table_with_outcome_and_subgroup_columns(tmp_path: Path) -> None:
    path = form(tmp_path, "A,ae,x,1,10,2,10", "B,ae,y,2,12,3,11", "C,pain,x,2,12,3,11",
                header="study,outcome,subgroup,events1,total1,events2,total2")
    studies = load_studies(path, outcome="ae").studies
    assert [s.study for s in studies] == ["A", "B"]
    assert [s.subgroup for s in studies] == ["x", "y"]


def test_missing_and_unsupported_files(tmp_path: Path) -> None:
    with pytest.raises(ExtractionInputError, match=r"nope.csv:1: file: file not found"):
        load_studies(tmp_path / "nope.csv")
    other = tmp_path / "data.json"
    other.write_text("{}", encoding="utf-8")
    with pytest.raises(ExtractionInputError, match=r"data.json:1: file: unsupported file type "
                                                   r"\(use .csv or .xlsx\) \(got '.json'\)"):
        load_studies(other)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ExtractionInputError, match=r"empty.csv:1: file: empty file"):
        load_studies(empty)
