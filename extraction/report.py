"""The results of an analysis as plain text, for the terminal (``litsieve pool``)."""

from __future__ import annotations

from extraction.analysis import Analysis
from extraction.forest import MEASURE_NAMES, format_p, heterogeneity_text, overall_text
from extraction.pooling.result import PoolResult

__all__ = ["format_analysis", "format_pooled"]


def _num(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _ci(result: PoolResult, low: float | None, high: float | None) -> str:
    nat = result.natural
    return f"[{_num(nat(low))}, {_num(nat(high))}]"


def format_pooled(result: PoolResult, label: str) -> list[str]:
    level = f"{result.level:g}%"
    lines = [f"{label}: {result.natural(result.estimate):.2f} {level} CI "
             f"{_ci(result, result.ci_low, result.ci_high)}  k = {result.k}"]
    if result.pi_low is not None:
        lines.append(f"  Prediction interval: {_ci(result, result.pi_low, result.pi_high)}")
    lines.append("  " + heterogeneity_text(result))
    if result.tau2 is not None and result.tau2_ci_low is not None:
        lines.append(f"  Tau² = {result.tau2:.4f} ({level} CI {result.tau2_ci_low:.4f} to "
                     f"{result.tau2_ci_high:.4f}, {result.tau2_method})")
    lines.append("  " + overall_text(result))
    for key, value in result.extra.items():
        if not key.endswith(("_p", "_df")):
            p = result.extra.get(f"{key}_p")
            lines.append(f"  {key}: {value:.4f}" + (f" ({format_p(p)})" if p is not None else ""))
    if not result.converged:
        lines.append("  WARNING: the tau² estimate did not converge")
    lines += [f"  warning: {w}" for w in result.warnings]
    return lines


def format_analysis(analysis: Analysis, *, timepoint: str | None = None) -> str:
    """A table of the studies (estimate, CI, weight) and the pooled results."""
    res = analysis.overall
    opts = analysis.options
    name = "Peto Odds Ratio" if res.method == "Peto" else MEASURE_NAMES[res.measure]
    method = {"IV": "IV", "MH": "M-H", "Peto": "Peto"}[res.method]
    what = f"{name}, {method}, {res.model.capitalize()}"
    if res.tau2_method:
        what += f" ({res.tau2_method}" + (", Hartung-Knapp" if res.test == "t" else "") + ")"
    title = " / ".join(x for x in (opts.outcome, timepoint) if x)
    head = [f"{title}: {what}; profile {res.profile}" if title else
            f"{what}; profile {res.profile}"]
    width = max([len(s.study) for s in res.studies] + [5])
    head.append(f"{'Study':<{width}}  {'Estimate':>9}  {f'{res.level:g}% CI':<18}  "
                f"{'Weight':>7}")
    for row in res.studies:
        if not row.estimable:
            head.append(f"{row.study:<{width}}  {'':>9}  {'Not estimable':<18}  "
                        f"{'':>7}  {row.note or ''}")
            continue
        note = f"  ({row.note})" if row.note else ""
        head.append(f"{row.study:<{width}}  {res.natural(row.estimate):>9.2f}  "
                    f"{_ci(res, row.ci_low, row.ci_high):<18}  {row.weight:>6.1f}%{note}")
    lines = head
    for group, result in analysis.subgroups:
        lines += format_pooled(result, f"Subgroup {group}")
    lines += format_pooled(res, "Total")
    test = analysis.subgroup_test
    if test is not None:
        lines.append(f"Test for subgroup differences: Chi² = {test.q:.2f}, df = {test.df} "
                     f"({format_p(test.p)}), I² = {test.i2:.1f}%")
    return "\n".join(lines)
