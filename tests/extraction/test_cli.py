"""``litsieve pool`` and ``litsieve extract ...`` through the real entry point."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from screening.cli import main
from tests.extraction.conftest import FLEISS_ASPIRIN, FLEISS_MD


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def md_csv(tmp_path: Path) -> Path:
    path = tmp_path / "md.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["study", "mean1", "sd1", "n1", "mean2", "sd2", "n2"])
        for label, n1, m1, sd1, n2, m2, sd2 in FLEISS_MD:
            writer.writerow([label, m1, sd1, n1, m2, sd2, n2])
    return path


def test_pool_prints_the_table_and_writes_the_outputs(tmp_path: Path, capsys, md_csv) -> None:
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "pool", md_csv, "--measure", "MD", "--method", "IV",
                         "--model", "fixed", "--output", out_dir)
    assert code == 0, err
    assert "Mean Difference, IV, Fixed; profile revman5" in out
    assert "Florell      -1.20  [-2.08, -0.32]        38.6%" in out
    assert "Total: -0.71 95% CI [-1.26, -0.16]  k = 5" in out
    assert "Heterogeneity: Chi² = 5.66, df = 4 (P = 0.23); I² = 29%" in out
    assert "Test for overall effect: Z = 2.53 (P = 0.01)" in out
    assert {p.name for p in out_dir.iterdir()} == {"results.json", "results.csv", "forest.png",
                                                   "forest.svg"}
    data = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))
    assert data["estimate"] == pytest.approx(-0.70938839, abs=1e-8)
    assert data["q_df"] == 4 and data["tau2"] is None


def test_pool_random_effects_with_options(tmp_path: Path, capsys, md_csv) -> None:
    code, out, err = run(capsys, "pool", md_csv, "-m", "md", "--model", "random", "--tau2",
                         "REML", "--hk", "--profile", "metafor", "--level", "90")
    assert code == 0, err
    assert "Mean Difference, IV, Random (REML, Hartung-Knapp); profile metafor" in out
    assert "Test for overall effect: t = " in out and "df = 4" in out
    assert "Prediction interval:" in out and "90% CI" in out


def test_pool_mantel_haenszel_from_an_extraction_form(tmp_path: Path, capsys) -> None:
    form = tmp_path / "form.csv"
    rows = ["study,outcome,arm,group,events,total"]
    for label, e1, n1, e2, n2 in FLEISS_ASPIRIN:
        rows += [f"{label},death,aspirin,intervention,{e1},{n1}",
                 f"{label},death,placebo,control,{e2},{n2}"]
    form.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "pool", form, "--measure", "OR", "--outcome", "death")
    assert code == 0, err
    assert out.startswith("death: Odds Ratio, M-H, Fixed; profile revman5")
    assert "Total: 0.90 95% CI [0.84, 0.96]  k = 7" in out
    assert "cmh: " in out and "tarone: " in out


def test_bad_input_exits_1_with_file_row_and_column(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("study,mean1,sd1,n1,mean2,sd2,n2\nA,1,,10,2,1,10\nB,1,-1,1,2,1,10\n",
                   encoding="utf-8")
    code, out, err = run(capsys, "pool", bad, "--measure", "MD")
    assert code == 1 and out == ""
    assert err == (f"error: 3 problems in {bad}:\n{bad}:2: sd1: missing value\n"
                   f"{bad}:3: sd1: must be positive (got '-1')\n"
                   f"{bad}:3: n1: must be at least 2 (an SD needs two) (got '1')\n")


def test_impossible_analysis_exits_1(capsys, md_csv) -> None:
    code, _, err = run(capsys, "pool", md_csv, "--measure", "MD", "--method", "MH")
    assert code == 1
    assert err == "error: the Mantel-Haenszel method pools RR, OR or RD, not MD\n"


def test_debug_shows_the_traceback(capsys, md_csv) -> None:
    code, _, err = run(capsys, "--debug", "pool", md_csv, "--measure", "RR")
    assert code == 1 and "Traceback" in err and "error: measure RR needs dichotomous" in err


def test_usage_errors_exit_2(capsys, md_csv) -> None:
    code, _, err = run(capsys, "pool", md_csv, "--measure", "XX")
    assert code == 2 and "Invalid value for '--measure'" in err
    code, _, err = run(capsys, "pool", md_csv)
    assert code == 2 and "Missing option '--measure'" in err


def test_extract_template_check_and_compare(tmp_path: Path, capsys) -> None:
    review = tmp_path / "review"
    (review / "exports").mkdir(parents=True)
    form = tmp_path / "form.csv"
    code, out, err = run(capsys, "extract", "template", review, "--output", form)
    assert code == 0, err
    assert "Wrote" in out and "example rows" in out
    (review / "exports" / "included.csv").write_text(
        "record_id,title,authors,year\nr1,Trial one,Smith J,2019\n", encoding="utf-8")
    xlsx = tmp_path / "form.xlsx"
    code, out, _ = run(capsys, "extract", "template", review, "-o", xlsx, "--outcome", "pain")
    assert code == 0 and f"Wrote {xlsx}: 2 rows (1 study x 1 outcome x 2 arms)" in out

    filled = tmp_path / "filled.csv"
    filled.write_text("study,outcome,arm,group,n,mean,sd,se\nSmith 2019,pain,k,intervention,"
                      "20,3,1,\nSmith 2019,pain,p,control,20,4,,0.3\n", encoding="utf-8")
    code, out, err = run(capsys, "extract", "check", filled)
    assert code == 0, err
    assert f"{filled}: 2 rows, 1 study, 1 outcome: no problems" in out
    assert f"converted: {filled}:3: sd from se (SD = SE x sqrt(n))" in out

    broken = tmp_path / "broken.csv"
    broken.write_text("study,outcome,arm,group,n,mean,sd\nS,pain,k,intervention,20,3,-1\n"
                      "S,pain,p,control,20,4,1\n", encoding="utf-8")
    code, out, err = run(capsys, "extract", "check", broken)
    assert code == 1 and err == f"error: {broken}:2: sd: must be positive (got '-1')\n"

    other = tmp_path / "other.csv"
    other.write_text(filled.read_text(encoding="utf-8").replace("20,4,,0.3", "21,4,,0.3"),
                     encoding="utf-8")
    code, out, _ = run(capsys, "extract", "compare", filled, other)
    assert code == 1
    assert out == (f"Smith 2019 / pain / p: n: A='20' ({filled}:3) B='21' ({other}:3)\n"
                   "1 disagreement\n")
    code, out, _ = run(capsys, "extract", "compare", filled, filled)
    assert code == 0 and out == "The two forms agree\n"


def test_cli_start_does_not_import_numpy() -> None:
    code = ("import sys; from screening.cli import _load_plugins; _load_plugins(); "
            "print(sorted(m for m in ('numpy', 'scipy', 'matplotlib') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
