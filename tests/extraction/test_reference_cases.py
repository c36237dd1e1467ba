"""Every reference case in ../shared/data/pooling, at the precision its MANIFEST.md states.

* values printed to 4 decimals: |got − expected| <= 0.5e-4 (2 decimals: 0.5e-2, ...);
* anything derived from a REML fit: 2e-4 (metafor stops its Fisher scoring at Δτ² < 1e-5);
* RevMan's own full-precision (rm5) output: 1e-8 relative; its CSV export (8 significant
  digits): within half a unit of the 8th digit;
* RevMan's P values are the exception: they differ from the exact χ²/normal tail
  probabilities by up to ~6e-7 relative (for df = 6 the χ² tail has the closed form
  e^(−x/2)(1 + x/2 + x²/8), which gives 0.1269421779, RevMan 0.1269422522), so they are
  compared at 1e-6 relative.

Skipped, with the reason, when the shared data directory is absent.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from extraction.analysis import AnalysisOptions, pool_studies
from extraction.conversions import mean_sd_from_quantiles, paired_difference, pooled_sd
from extraction.effects import binary_effects, continuous_effects
from extraction.pooling import METAFOR, PoolResult
from extraction.studies import BinaryStudy, ContinuousStudy

POOLING = Path(__file__).parents[2].parent / "shared" / "data" / "pooling"

pytestmark = pytest.mark.shared


@dataclass(frozen=True)
class Check:
    case: str
    key: str
    got: float
    expected: float
    tol: float
    relative: bool = False

    @property
    def deviation(self) -> float:
        dev = abs(self.got - self.expected)
        return dev / abs(self.expected) if self.relative and self.expected else dev

    @property
    def ok(self) -> bool:
        return self.deviation <= self.tol + 1e-12


def _load(name: str) -> dict[str, Any]:
    path = POOLING / name
    if not path.is_file():
        pytest.skip(f"shared reference data not available: {path} is absent")
    return json.loads(path.read_text(encoding="utf-8"))


def _result_values(r: PoolResult) -> dict[str, float | None]:
    """Our values under the key names the reference files use."""
    values: dict[str, float | None] = {
        "estimate": r.estimate, "se": r.se, "z": r.statistic, "p": r.p,
        "ci_lb": r.ci_low, "ci_ub": r.ci_high, "tau2": r.tau2 if r.tau2 is not None else 0.0,
        "tau2_se": r.tau2_se, "tau": r.tau, "I2_pct": r.i2, "H2": r.h2, "Q": r.q,
        "Q_df": r.q_df, "Q_p": r.q_p, "k": r.k,
        "tau2_ci_lb": r.tau2_ci_low, "tau2_ci_ub": r.tau2_ci_high,
        "I2_ci_lb": r.i2_ci_low, "I2_ci_ub": r.i2_ci_high,
        "H2_ci_lb": r.h2_ci_low, "H2_ci_ub": r.h2_ci_high,
    }
    if r.tau2_ci_low is not None:
        values["tau_ci_lb"] = math.sqrt(r.tau2_ci_low)
        values["tau_ci_ub"] = math.sqrt(r.tau2_ci_high or 0.0)
    for key in ("estimate", "ci_lb", "ci_ub"):
        if values[key] is not None:
            values[f"exp_{key}"] = math.exp(values[key])  # type: ignore[arg-type]
    if r.pi_low is not None:
        values["exp_pi_lb"], values["exp_pi_ub"] = math.exp(r.pi_low), math.exp(r.pi_high or 0)
    extra = dict(r.extra)
    values.update(CMH_continuity_corrected=extra.get("cmh"),
                  CMH_uncorrected=extra.get("cmh_uncorrected"),
                  CMH_p=extra.get("cmh_uncorrected_p"),
                  Tarone=extra.get("tarone"), Tarone_p=extra.get("tarone_p"),
                  Tarone_df=extra.get("tarone_df"))
    return values


#: metafor's print.rma shows I² and H² with 2 decimals whatever the other digits are.
TWO_DECIMAL_KEYS = ("I2_pct", "H2")


def _printed_decimals(value: float) -> int:
    text = repr(float(value))
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def _compare(case: str, values: dict[str, float | None], expected: dict[str, Any], tol: float,
             *, tolerances: dict[str, float] | None = None) -> Iterator[Check]:
    for key, exp in expected.items():
        if isinstance(exp, dict | list):
            continue
        got = values.get(key)
        assert got is not None, f"{case}: no value for {key}"
        if isinstance(exp, str):  # e.g. "<.0001"
            assert exp.startswith("<") and got < float(exp[1:]), f"{case}: {key}={got} vs {exp}"
            continue
        key_tol = (tolerances or {}).get(key, tol)
        if key in TWO_DECIMAL_KEYS and _printed_decimals(exp) <= 2:
            key_tol = max(key_tol, _tol(2))
        yield Check(case, key, float(got), float(exp), key_tol)


def _tol(decimals: int) -> float:
    return 0.5 * 10.0**-decimals


def _binary(studies: list[dict[str, Any]], a: str = "ai", n1: str = "n1i", c: str = "ci",
            n2: str = "n2i") -> list[BinaryStudy]:
    out = []
    for s in studies:
        if s.get(a) is None or s.get(c) is None:
            continue
        total1 = s[n1] if n1 in s else s["ai"] + s["bi"]
        total2 = s[n2] if n2 in s else s["ci"] + s["di"]
        out.append(BinaryStudy(s["label"], s[a], total1, s[c], total2))
    return out


def _continuous(studies: list[dict[str, Any]], *, pooled: bool = False) -> list[ContinuousStudy]:
    out = []
    for s in studies:
        sd1, sd2 = s["sd1i"], s["sd2i"]
        if pooled:
            sd1 = sd2 = pooled_sd(sd1, s["n1i"], sd2, s["n2i"])
        out.append(ContinuousStudy(s["label"], s["m1i"], sd1, s["n1i"], s["m2i"], sd2, s["n2i"]))
    return out


def _pool(studies: list[Any], measure: str, *, method: str = "IV", model: str = "fixed",
          tau2: str | None = None, profile: str = "metafor", level: float = 95) -> PoolResult:
    return pool_studies(studies, AnalysisOptions(
        measure, method=method, model=model, tau2_method=tau2, profile=profile, level=level))


def _vector(case: str, got: Any, expected: list[float], tol: float) -> Iterator[Check]:
    for i, (g, e) in enumerate(zip(list(got), expected, strict=True)):
        yield Check(case, f"[{i}]", float(g), float(e), tol)


# --- one generator per reference file -------------------------------------------------


def bcg_checks() -> Iterator[Check]:
    data = _load("bcg_binary_metafor.json")
    studies = _binary(data["studies"])
    for analysis in data["analyses"]:
        name, exp, tol = analysis["name"], analysis["expected"], _tol(analysis["decimals"])
        if name == "per_study_logRR":
            eff = binary_effects(studies, measure="RR", rule=METAFOR.iv_zero)
            yield from _vector(f"bcg {name} yi", eff.yi, exp["yi"], tol)
            yield from _vector(f"bcg {name} vi", eff.vi, exp["vi"], tol)
            continue
        measure = name.split("_")[0]
        if "REML" in name:
            res = _pool(studies, "RR", model="random", tau2="REML")
            yield from _compare(f"bcg {name}", _result_values(res), exp, 2e-4)
        elif name.endswith("_DL"):
            res = _pool(studies, measure, model="random", tau2="DL")
            yield from _compare(f"bcg {name}", _result_values(res), exp, tol)
        elif "_MH_" in name:
            res = _pool(studies, measure, method="MH")
            yield from _compare(f"bcg {name}", _result_values(res), exp, tol)
        elif "Peto" in name:
            res = _pool(studies, "OR", method="Peto")
            yield from _compare(f"bcg {name}", _result_values(res), exp, tol)
        else:
            res = _pool(studies, measure)
            yield from _compare(f"bcg {name}", _result_values(res), exp, tol)


def normand_checks() -> Iterator[Check]:
    data = _load("normand1999_continuous.json")
    studies = _continuous(data["studies"])
    for analysis in data["analyses"]:
        name, exp, tol = analysis["name"], analysis["expected"], _tol(analysis["decimals"])
        case = f"normand {name}"
        if name == "per_study_MD":
            eff = continuous_effects(studies, measure="MD")
            yield from _vector(case + " yi", eff.yi, exp["yi"], tol)
            yield from _vector(case + " vi", eff.vi, exp["vi"], tol)
        elif name in ("MD_REML", "SMD_REML_metafor"):
            res = _pool(studies, name.split("_")[0], model="random", tau2="REML")
            yield from _compare(case, _result_values(res), exp, 2e-4)
        elif name == "ROM_REML":
            eff = continuous_effects(studies, measure="ROM", rom_correct=METAFOR.rom_correct)
            yield from _vector(case + " yi", eff.yi, exp["yi"], tol)
            yield from _vector(case + " vi", eff.vi, exp["vi"], tol)
            res = _pool(studies, "ROM", model="random", tau2="REML")
            two = {k: _tol(2) for k in exp if k.startswith("exp_")}  # printed with digits=2
            yield from _compare(case, _result_values(res), exp, 2e-4, tolerances=two)
        elif name == "MD_pooledSD_EE_DL_REML":
            pooled = _continuous(data["studies"], pooled=True)
            eff = continuous_effects(pooled, measure="MD")
            yield from _vector(case + " vi", eff.vi, exp["vi"], tol)
            for part, model, tau2, part_tol in (("EE", "fixed", None, tol),
                                                ("DL", "random", "DL", tol),
                                                ("REML", "random", "REML", 2e-4)):
                res = _pool(pooled, "MD", model=model, tau2=tau2)
                yield from _compare(f"{case} {part}", _result_values(res), exp[part], part_tol)


def hine_checks() -> Iterator[Check]:
    data = _load("hine1989_rd.json")
    studies = _binary(data["studies"])
    for analysis in data["analyses"]:
        name, exp, tol = analysis["name"], analysis["expected"], _tol(analysis["decimals"])
        case = f"hine {name}"
        if name == "per_study_RD_x100":
            res = _pool(studies, "RD")
            rows = res.studies
            yield from _vector(case + " yi", [100 * r.estimate for r in rows], exp["yi"], tol)
            yield from _vector(case + " vi", [1e4 * r.se**2 for r in rows], exp["vi"], tol)
            yield from _vector(case + " ci_lb", [100 * r.ci_low for r in rows], exp["ci_lb"], tol)
            yield from _vector(case + " ci_ub", [100 * r.ci_high for r in rows], exp["ci_ub"], tol)
        elif name == "RD_x100_EE_and_DL":
            for part, model, tau2 in (("EE", "fixed", None), ("DL", "random", "DL")):
                res = _pool(studies, "RD", model=model, tau2=tau2)
                values = {"estimate": 100 * res.estimate, "ci_lb": 100 * res.ci_low,
                          "ci_ub": 100 * res.ci_high, "tau2": 1e4 * (res.tau2 or 0.0)}
                yield from _compare(f"{case} {part}", values, exp[part], tol)
        else:
            res = _pool(studies, "RD", model="random", tau2="REML")
            yield from _compare(case, _result_values(res), exp, 2e-4)


def peto_checks() -> Iterator[Check]:
    data = _load("yusuf1985_peto.json")
    studies = _binary(data["studies"])
    assert len(studies) == 21  # the all-NA row is left out
    for analysis in data["analyses"]:
        res = _pool(studies, "OR", method="Peto")
        yield from _compare(f"yusuf {analysis['name']}", _result_values(res),
                            analysis["expected"], _tol(analysis["decimals"]))
    data = _load("collins1985a_peto.json")
    for analysis, prefix in zip(data["analyses"], ("b", "o"), strict=True):
        studies = _binary(data["studies"], a=f"{prefix}_xti", n1="nti", c=f"{prefix}_xci",
                          n2="nci")
        res = _pool(studies, "OR", method="Peto")
        yield from _compare(f"collins {analysis['name']}", _result_values(res),
                            analysis["expected"], _tol(analysis["decimals"]))


def rothman_checks() -> Iterator[Check]:
    data = _load("rothman2008_mh_two_strata.json")
    studies = _binary(data["studies"])
    for analysis in data["analyses"]:
        tol = _tol(analysis["decimals"])
        for part, exp in analysis["expected"].items():
            measure = part.split("_")[0]
            res = _pool(studies, measure, method="MH", level=90)
            case = f"rothman {analysis['name']} {part}"
            yield from _compare(case, _result_values(res), exp, tol)
            if "exp" in exp:
                got = [math.exp(v) for v in (res.estimate, res.ci_low, res.ci_high)]
                yield from _vector(case + " exp", got, exp["exp"], tol)


def _sig8(value: float) -> float:
    """Half a unit in the 8th significant digit of ``value``."""
    return 0.5 * 10.0 ** (math.floor(math.log10(abs(value))) - 7) if value else 0.0


def revman_checks() -> Iterator[Check]:
    data = _load("fleiss1993_revman5.json")
    binary, continuous = data["outcomes"]
    studies = _binary(binary["studies"])
    res = _pool(studies, "OR", method="MH", profile="revman5")
    exp = binary["analyses"][0]["expected"]
    got = {
        "estimate_OR": math.exp(res.estimate), "ci_lb_OR": math.exp(res.ci_low),
        "ci_ub_OR": math.exp(res.ci_high), "log_estimate": res.estimate / math.log(10),
        "log_ci_lb": res.ci_low / math.log(10), "log_ci_ub": res.ci_high / math.log(10),
        "Z_abs": abs(res.statistic), "Chi2": res.q, "I2_pct": res.i2, "df": res.q_df,
        "tau2": 0.0,
    }
    for key, value in got.items():
        yield Check("revman5 rm5 OR MH", key, value, exp[key], 1e-8, relative=True)
    for key, value in (("p_Z", res.p), ("p_Chi2", res.q_p)):
        yield Check("revman5 rm5 OR MH (RevMan P)", key, value, exp[key], 1e-6, relative=True)
    for study, row in zip(binary["studies"], res.studies, strict=True):
        case = f"revman5 rm5 {study['label']}"
        yield Check(case, "OR", math.exp(row.estimate), study["revman_OR"], 1e-8, True)
        yield Check(case, "logOR", row.estimate / math.log(10), study["revman_logOR"], 1e-8, True)
        yield Check(case, "SE", row.se, study["revman_SE_logOR"], 1e-8, True)
        yield Check(case, "VAR", row.se**2, study["revman_VAR"], 1e-8, True)
        yield Check(case, "CI low", math.exp(row.ci_low), study["revman_CI"][0], 1e-8, True)
        yield Check(case, "CI high", math.exp(row.ci_high), study["revman_CI"][1], 1e-8, True)
        yield Check(case, "weight", row.weight, study["revman_weight_pct"], 1e-8, True)

    studies_c = _continuous(continuous["studies"])
    res = _pool(studies_c, "MD", profile="revman5")
    exp = continuous["analyses"][0]["expected"]
    got = {"estimate": res.estimate, "ci_lb": res.ci_low, "ci_ub": res.ci_high, "Q": res.q,
           "I2_pct": res.i2, "tau2": 0.0, "Z_abs": abs(res.statistic), "df": res.q_df}
    for key, value in got.items():
        yield Check("revman5 csv MD IV", key, value, exp[key], _sig8(exp[key]))
    for key, value in (("p_Q", res.q_p), ("p_Z", res.p)):
        yield Check("revman5 csv MD IV (RevMan P)", key, value, exp[key], 1e-6, relative=True)
    for study, row in zip(continuous["studies"], res.studies, strict=True):
        case = f"revman5 csv {study['label']}"
        for key, value, expected in (
            ("MD", row.estimate, study["revman_MD"]), ("SE", row.se, study["revman_SE"]),
            ("CI low", row.ci_low, study["revman_CI"][0]),
            ("CI high", row.ci_high, study["revman_CI"][1]),
            ("weight", row.weight, study["revman_weight_pct"]),
        ):
            yield Check(case, key, value, expected, _sig8(expected))


def conversion_checks() -> Iterator[Check]:
    data = _load("conversions.json")
    fivenum, lognormal, paired = data["analyses"]
    tol = _tol(fivenum["decimals"])
    for given, exp in zip(fivenum["inputs"], fivenum["expected"], strict=True):
        got = mean_sd_from_quantiles(n=given["n"], median=given["median"], q1=given.get("q1"),
                                     q3=given.get("q3"), minimum=given.get("min"),
                                     maximum=given.get("max"))
        yield Check(f"conv {given['case']}", "mean", got.mean, exp["mean"], tol)
        yield Check(f"conv {given['case']}", "sd", got.sd, exp["sd"], tol)
    given, exp = lognormal["inputs"][0], lognormal["expected"][0]
    got = mean_sd_from_quantiles(n=given["n"], minimum=given["min"], q1=given["q1"],
                                 median=given["median"], q3=given["q3"], maximum=given["max"],
                                 dist="lnorm")
    yield Check("conv lnorm", "mean", got.mean, exp["mean"], _tol(lognormal["decimals"]))
    yield Check("conv lnorm", "sd", got.sd, exp["sd"], _tol(lognormal["decimals"]))
    normal = mean_sd_from_quantiles(n=given["n"], minimum=given["min"], q1=given["q1"],
                                    median=given["median"], q3=given["q3"],
                                    maximum=given["max"])
    assert normal.skewed  # the notes: metafor's skewness test flags this study
    g, exp, tol = paired["inputs"], paired["expected"], _tol(paired["decimals"])
    by_corr = paired_difference(n=g["n"], mean1=g["mE"], sd1=g["sdE"], mean2=g["mC"],
                                sd2=g["sdC"], corr=g["corr"])
    by_sd = paired_difference(n=g["n"], mean1=g["mE"], sd1=g["sdE"], mean2=g["mC"],
                              sd2=g["sdC"], sd_diff=g["sd_diff_alternative"])
    for key, value in (("MD", by_corr.md), ("SE_MD_with_corr_0.68", by_corr.se_md),
                       ("SE_MD_with_sd_diff_2", by_sd.se_md), ("SMD", by_corr.smd),
                       ("SE_SMD", by_corr.se_smd)):
        yield Check("conv paired (Handbook 16.4.6.4)", key, value, exp[key], tol)


CASES: dict[str, Callable[[], Iterator[Check]]] = {
    "bcg_binary_metafor": bcg_checks,
    "normand1999_continuous": normand_checks,
    "hine1989_rd": hine_checks,
    "yusuf1985_and_collins1985a_peto": peto_checks,
    "rothman2008_mh_two_strata": rothman_checks,
    "fleiss1993_revman5": revman_checks,
    "conversions": conversion_checks,
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_reference_case(case: str) -> None:
    checks = list(CASES[case]())
    assert checks, "nothing was compared"
    failed = [f"{c.case}: {c.key}: got {c.got!r}, expected {c.expected!r} "
              f"(deviation {c.deviation:.3g} > {c.tol:.3g})" for c in checks if not c.ok]
    assert not failed, "\n".join(failed)


def test_every_reference_file_is_covered() -> None:
    if not POOLING.is_dir():
        pytest.skip(f"shared reference data not available: {POOLING} is absent")
    files = {p.stem for p in POOLING.glob("*.json")}
    covered = {"bcg_binary_metafor", "normand1999_continuous", "hine1989_rd", "yusuf1985_peto",
               "collins1985a_peto", "rothman2008_mh_two_strata", "fleiss1993_revman5",
               "conversions"}
    assert files <= covered, f"reference files without a test: {sorted(files - covered)}"


def deviation_table() -> list[tuple[str, str, int, float]]:
    """(case, tolerance, checks, max deviation) per case and tolerance class, for reports."""
    table = []
    for name, checks in CASES.items():
        groups: dict[str, list[Check]] = {}
        for check in checks():
            label = f"{check.tol:.1e}" + (" rel" if check.relative else " abs")
            if check.case.startswith("revman5 csv") and not check.relative:
                label = "8 sig. digits"
            groups.setdefault(label, []).append(check)
        for label, found in sorted(groups.items()):
            table.append((name, label, len(found), max(c.deviation for c in found)))
    return table


if __name__ == "__main__":  # pragma: no cover - a report, not a test
    for case, label, n, dev in deviation_table():
        print(f"{case:<34} {label:<14} {n:>4}  max deviation {dev:.2e}")
