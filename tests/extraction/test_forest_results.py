"""The forest plot renders (PNG and SVG), and results.json / results.csv keep their names."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from matplotlib.image import imread

from extraction.analysis import AnalysisOptions, analyse
from extraction.forest import format_p, heterogeneity_text, save_forest
from extraction.results import POOLED_KEYS, write_results
from extraction.studies import BinaryStudy, ContinuousStudy, GenericStudy
from tests.extraction.conftest import FLEISS_ASPIRIN


@pytest.fixture
def binary_analysis():
    studies = [BinaryStudy(*row, subgroup="large" if row[2] > 2000 else "small")
               for row in FLEISS_ASPIRIN] + [BinaryStudy("Zero", 0, 30, 0, 31, subgroup="small")]
    return analyse(studies, AnalysisOptions("RR", model="random"))


def test_forest_plot_renders_to_png_and_svg(tmp_path: Path, binary_analysis) -> None:
    png, svg = save_forest(binary_analysis, tmp_path, favours_left="aspirin",
                           favours_right="control", title="Mortality")
    assert png.stat().st_size > 20_000 and svg.stat().st_size > 20_000
    image = imread(png)
    height, width = image.shape[:2]
    assert width > 1500 and height > 600 and image.shape[2] in (3, 4)
    assert image[..., :3].min() < 0.1  # something black was drawn
    text = svg.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text


def test_forest_plot_of_continuous_and_generic_data(tmp_path: Path) -> None:
    md = analyse([ContinuousStudy("A", 5, 2, 20, 6, 2, 20),
                  ContinuousStudy("B", 4, 1, 30, 6, 2, 30)],
                 AnalysisOptions("MD", model="random", profile="metafor", hk=True))
    giv = analyse([GenericStudy("A", math.log(0.7), 0.2), GenericStudy("B", math.log(0.9), 0.1)],
                  AnalysisOptions("GIV", log_scale=True))
    one = analyse([ContinuousStudy("A", 5, 2, 20, 6, 2, 20)], AnalysisOptions("SMD"))
    for name, analysis in (("md", md), ("giv", giv), ("one", one)):
        (png,) = save_forest(analysis, tmp_path / name, formats=("png",))
        assert imread(png).shape[0] > 200


def test_heterogeneity_and_p_text() -> None:
    assert format_p(0.126942) == "P = 0.13" and format_p(0.0010103) == "P = 0.001"
    assert format_p(0.00004) == "P = 0.00004" and format_p(1e-9) == "P < 0.00001"


def test_results_json_has_the_published_names(tmp_path: Path, binary_analysis) -> None:
    json_path, csv_path = write_results(binary_analysis, tmp_path)
    data = json.loads(json_path.read_text(encoding="utf-8"))
    for key in (*POOLED_KEYS, "log_estimate", "log_se", "studies", "subgroups", "subgroup_test"):
        assert key in data, key
    overall = binary_analysis.overall
    assert data["estimate"] == pytest.approx(math.exp(overall.estimate))
    assert data["ci_low"] == pytest.approx(math.exp(overall.ci_low))
    assert data["log_estimate"] == pytest.approx(overall.estimate) and data["se"] is None
    assert data["log_se"] == pytest.approx(overall.se)
    assert data["tau2"] == pytest.approx(overall.tau2) and data["pi_low"] is None  # revman5
    assert data["scale"] == "ratio" and data["measure"] == "RR" and data["method"] == "MH"
    zero = next(s for s in data["studies"] if s["study"] == "Zero")
    assert zero["estimable"] is False and zero["weight"] == 0 and zero["estimate"] is None
    assert zero["note"] == "not estimable: no events in either arm"
    assert zero["data"] == {"events1": 0, "total1": 30, "events2": 0, "total2": 31}
    assert {g["subgroup"] for g in data["subgroups"]} == {"large", "small"}
    assert set(data["subgroup_test"]) == {"q", "df", "p", "i2"}
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert [r["row_type"] for r in rows].count("study") == 8
    assert rows[-1]["row_type"] == "overall" and float(rows[-1]["estimate"]) == data["estimate"]


def test_results_json_for_one_study(tmp_path: Path) -> None:
    analysis = analyse([ContinuousStudy("A", 5, 2, 20, 6, 2, 20)],
                       AnalysisOptions("MD", model="random"))
    data = json.loads(write_results(analysis, tmp_path)[0].read_text(encoding="utf-8"))
    assert data["k"] == 1 and data["estimate"] == -1 and data["se"] == pytest.approx(math.sqrt(0.4))
    for key in ("tau2", "i2", "h2", "q", "q_df", "q_p", "tau2_ci_low", "pi_low"):
        assert data[key] is None, key
    assert data["warnings"][0].startswith("only one study")
    assert "log_estimate" not in data


def test_heterogeneity_line_for_one_study() -> None:
    analysis = analyse([ContinuousStudy("A", 5, 2, 20, 6, 2, 20)], AnalysisOptions("MD"))
    assert heterogeneity_text(analysis.overall) == "Heterogeneity: Not applicable"
