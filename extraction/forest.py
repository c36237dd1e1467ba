"""A RevMan-style forest plot of an :class:`~extraction.analysis.Analysis` (matplotlib).

Left to right: study, the data of each arm (mean, SD, total; events, total; or estimate,
SE), weight, the study's effect with its CI, and the plot: a square per study (area
proportional to its weight) with its CI, a diamond per pooled estimate, the line of no
effect, the prediction interval when there is one, and "favours" labels under the axis.
Below the rows: total events, heterogeneity (Tau², Chi², df, P, I²), the test for the
overall effect and, with subgroups, the test for subgroup differences.

matplotlib is imported here, so import this module only when drawing (the CLI does).
The figure is built with the object API and the Agg canvas: no pyplot, no global state.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from matplotlib.transforms import blended_transform_factory

from extraction.analysis import Analysis
from extraction.pooling.result import PoolResult, StudyResult
from extraction.studies import BinaryStudy, ContinuousStudy, GenericStudy, Study

__all__ = ["MEASURE_NAMES", "draw_forest", "format_p", "heterogeneity_text", "save_forest"]

MEASURE_NAMES = {
    "MD": "Mean Difference", "SMD": "Std. Mean Difference", "ROM": "Ratio of Means",
    "RR": "Risk Ratio", "OR": "Odds Ratio", "RD": "Risk Difference", "GIV": "Estimate",
}
_ROW_HEIGHT = 0.26  # inches


@dataclass
class _Line:
    kind: str  # header, group, study, pooled, text, blank, pi
    label: str = ""
    study: StudyResult | None = None
    pooled: PoolResult | None = None
    cells: tuple[str, ...] = ()
    bold: bool = False


def format_p(p: float | None) -> str:
    """P as RevMan prints it: 'P < 0.00001', 'P = 0.0004', 'P = 0.13'."""
    if p is None or not math.isfinite(p):
        return "P = n/a"
    if p < 0.00001:
        return "P < 0.00001"
    if p < 0.001:
        return f"P = {p:.5f}".rstrip("0")
    if p < 0.01:
        return f"P = {p:.3f}"
    return f"P = {p:.2f}"


def heterogeneity_text(result: PoolResult) -> str:
    if result.q is None:
        return "Heterogeneity: Not applicable"
    parts = []
    if result.tau2 is not None:
        parts.append(f"Tau² = {result.tau2:.2f}")
    parts.append(f"Chi² = {result.q:.2f}, df = {result.q_df} ({format_p(result.q_p)})")
    text = "Heterogeneity: " + "; ".join(parts) + f"; I² = {result.i2:.0f}%"
    return text


def overall_text(result: PoolResult) -> str:
    name = "t" if result.test == "t" else "Z"
    df = f", df = {result.df}" if result.test == "t" else ""
    return f"Test for overall effect: {name} = {abs(result.statistic):.2f}{df} " \
           f"({format_p(result.p)})"


def _fmt(value: float | None, digits: int = 2) -> str:
    if value is None or not math.isfinite(value):
        return ""
    return f"{value:.{digits}f}".replace("-", "\u2212")


def _num(value: float) -> str:
    return f"{value:g}".replace("-", "\u2212")


def _effect_text(result: PoolResult, est: float | None, lo: float | None,
                 hi: float | None) -> str:
    if est is None:
        return "Not estimable"
    nat = result.natural
    return f"{_fmt(nat(est))} [{_fmt(nat(lo))}, {_fmt(nat(hi))}]"


def _data_columns(studies: Sequence[Study]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(arm-level headers, column headers) for the kind of data."""
    first = studies[0] if studies else None
    if isinstance(first, ContinuousStudy):
        return ("Mean", "SD", "Total"), ("Mean", "SD", "Total", "Mean", "SD", "Total")
    if isinstance(first, BinaryStudy):
        return ("Events", "Total"), ("Events", "Total", "Events", "Total")
    return (), ("Estimate", "SE")


def _cells(study: Study | None) -> tuple[str, ...]:
    if isinstance(study, ContinuousStudy):
        return (_num(study.mean1), _num(study.sd1), _num(study.n1),
                _num(study.mean2), _num(study.sd2), _num(study.n2))
    if isinstance(study, BinaryStudy):
        return (_num(study.events1), _num(study.total1), _num(study.events2),
                _num(study.total2))
    if isinstance(study, GenericStudy):
        return (_num(round(study.estimate, 4)), _num(round(study.se, 4)))
    return ()


def _totals(studies: Sequence[Study]) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    """Totals row cells and, for dichotomous data, the 'Total events' cells."""
    if studies and isinstance(studies[0], ContinuousStudy):
        n1 = sum(s.n1 for s in studies)  # type: ignore[union-attr]
        n2 = sum(s.n2 for s in studies)  # type: ignore[union-attr]
        return ("", "", _num(n1), "", "", _num(n2)), None
    if studies and isinstance(studies[0], BinaryStudy):
        e1 = sum(s.events1 for s in studies)  # type: ignore[union-attr]
        t1 = sum(s.total1 for s in studies)  # type: ignore[union-attr]
        e2 = sum(s.events2 for s in studies)  # type: ignore[union-attr]
        t2 = sum(s.total2 for s in studies)  # type: ignore[union-attr]
        return ("", _num(t1), "", _num(t2)), (_num(e1), "", _num(e2), "")
    return ("", ""), None


def _block(lines: list[_Line], result: PoolResult, studies: Sequence[Study], label: str,
           level: float, rows: Sequence[StudyResult] | None = None) -> None:
    """Study rows (``rows``: the overall analysis' rows, so weights add up to 100% over
    all subgroups, as RevMan shows them), then the pooled row and its statistics."""
    data = {s.study: s for s in studies}
    for row in result.studies if rows is None else rows:
        lines.append(_Line("study", row.study, study=row, cells=_cells(data.get(row.study))))
    totals, events = _totals([data[r.study] for r in result.studies if r.study in data])
    lines.append(_Line("pooled", f"{label} ({level:g}% CI)", pooled=result, cells=totals,
                       bold=True))
    if result.pi_low is not None and result.pi_high is not None:
        lines.append(_Line("pi", "Prediction interval", pooled=result))
    if events:
        lines.append(_Line("text", "Total events", cells=events))
    lines.append(_Line("text", heterogeneity_text(result)))
    lines.append(_Line("text", overall_text(result)))


def _layout(analysis: Analysis) -> list[_Line]:
    level = analysis.options.level
    lines: list[_Line] = []
    studies = analysis.studies
    if analysis.subgroups:
        for name, result in analysis.subgroups:
            lines.append(_Line("group", name, bold=True))
            members = [s for s in studies if s.subgroup == name]
            names = {s.study for s in members}
            rows = [r for r in analysis.overall.studies if r.study in names]
            _block(lines, result, members, "Subtotal", level, rows)
            lines.append(_Line("blank"))
    if analysis.subgroups:
        overall = analysis.overall
        totals, events = _totals(list(studies))
        lines.append(_Line("pooled", f"Total ({level:g}% CI)", pooled=overall, cells=totals,
                           bold=True))
        if overall.pi_low is not None and overall.pi_high is not None:
            lines.append(_Line("pi", "Prediction interval", pooled=overall))
        if events:
            lines.append(_Line("text", "Total events", cells=events))
        lines.append(_Line("text", heterogeneity_text(overall)))
        lines.append(_Line("text", overall_text(overall)))
        test = analysis.subgroup_test
        if test is not None:
            lines.append(_Line("text", f"Test for subgroup differences: Chi² = {test.q:.2f}, "
                                       f"df = {test.df} ({format_p(test.p)}), "
                                       f"I² = {test.i2:.1f}%"))
    else:
        _block(lines, analysis.overall, studies, "Total", level)
    return lines


def _limits(result: PoolResult, lines: list[_Line]) -> tuple[float, float]:
    """Symmetric axis limits around the null that hold the pooled CIs and most study CIs."""
    values = [abs(v) for line in lines for v in (
        (line.study.ci_low, line.study.ci_high) if line.study and line.study.estimable else
        (line.pooled.ci_low, line.pooled.ci_high) if line.pooled else ())
        if v is not None and math.isfinite(v)]
    if result.pi_low is not None and result.pi_high is not None:
        values += [abs(result.pi_low), abs(result.pi_high)]
    span = max(values) if values else 1.0
    if result.log_scale:
        for bound in (0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001):
            if math.log(1 / bound) >= span:
                return bound, 1 / bound
        return 0.001, 1000.0
    for scale in (10.0**e for e in range(-4, 7)):
        for step in (1, 2, 5):
            if step * scale >= span:
                return -step * scale, step * scale
    return -span, span


def draw_forest(
    analysis: Analysis, *, favours_left: str = "intervention", favours_right: str = "control",
    title: str | None = None,
) -> Figure:
    """The forest plot as a matplotlib Figure (nothing is shown or saved)."""
    overall = analysis.overall
    lines = _layout(analysis)
    arm_headers, data_headers = _data_columns(analysis.studies)
    n_data = len(data_headers)
    widths = [2.3] + [0.62] * n_data + [0.7, 1.75]
    plot_width, margin = 3.4, 0.2
    fig_width = margin * 2 + sum(widths) + plot_width
    n_rows = len(lines) + 2
    fig_height = n_rows * _ROW_HEIGHT + 0.75 + (0.3 if title else 0.05)
    fig = Figure(figsize=(fig_width, fig_height), dpi=100)
    bottom = 0.7 / fig_height
    top_pad = (0.3 if title else 0.05) / fig_height
    left = (margin + sum(widths)) / fig_width
    ax = fig.add_axes((left, bottom, plot_width / fig_width, 1 - bottom - top_pad))
    ax.set_ylim(n_rows - 0.5, -0.5)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    low, high = _limits(overall, lines)
    if overall.log_scale:
        ax.set_xscale("log")
        ticks = [t for t in (low, 0.01, 0.1, 0.2, 0.5, 1, 2, 5, 10, 100, high)
                 if low <= t <= high]
        ticks = sorted(set(ticks))
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.minorticks_off()
    else:
        ax.set_xticks([low, low / 2, 0, high / 2, high],
                      [_num(v) for v in (low, low / 2, 0, high / 2, high)])
    ax.set_xlim(low, high)
    null = 1.0 if overall.log_scale else 0.0
    ax.tick_params(axis="x", labelsize=8)
    mix = blended_transform_factory(fig.transFigure, ax.transData)
    xs = [margin / fig_width]
    for w in widths:
        xs.append(xs[-1] + w / fig_width)
    data_x = [(xs[i + 1] + xs[i + 2]) / 2 for i in range(n_data)]  # centred cells
    weight_x = (xs[n_data + 1] + xs[n_data + 2]) / 2
    effect_x = (xs[n_data + 2] + xs[n_data + 3]) / 2
    text = dict(transform=mix, fontsize=8, va="center")

    if title:
        fig.text(0.5, 1 - 0.15 / fig_height, title, ha="center", va="center", fontsize=10,
                 weight="bold")
    # Header: arm names over their columns, then column names.
    if arm_headers:
        per_arm = len(arm_headers)
        for arm, name in enumerate((favours_left.capitalize(), favours_right.capitalize())):
            centre = (data_x[arm * per_arm] + data_x[arm * per_arm + per_arm - 1]) / 2
            fig.text(centre, 0, name, ha="center", weight="bold", **text)
    method = {"IV": "IV", "MH": "M-H", "Peto": "Peto"}[overall.method]
    measure = "Peto Odds Ratio" if overall.method == "Peto" else MEASURE_NAMES[overall.measure]
    head = f"{measure}\n{method}, {overall.model.capitalize()}, {analysis.options.level:g}% CI"
    fig.text(xs[0], 1, "Study or Subgroup", weight="bold", **text)
    for x, name in zip(data_x, data_headers, strict=True):
        fig.text(x, 1, name, ha="center", weight="bold", **text)
    fig.text(weight_x, 1, "Weight", ha="center", weight="bold", **text)
    fig.text(effect_x, 0.5, head, ha="center", weight="bold", **text)
    ax.text(0.5, 0.5, head, transform=blended_transform_factory(ax.transAxes, ax.transData),
            ha="center", va="center", fontsize=8, weight="bold")
    last = max((i for i, line in enumerate(lines, start=2) if line.kind in ("study", "pooled",
                                                                             "pi")), default=2)
    ax.plot([null, null], [1.5, last + 0.5], color="black", linewidth=0.8, zorder=1)
    max_weight = max((r.weight for r in overall.studies), default=100.0) or 100.0

    for i, line in enumerate(lines, start=2):
        weight = "bold" if line.bold else "normal"
        if line.kind == "blank":
            continue
        fig.text(xs[0] + (0.0 if line.kind in ("group", "pooled", "text") else 0.005),
                 i, line.label, weight=weight, **text)
        for x, cell in zip(data_x, line.cells, strict=False):
            fig.text(x, i, cell, ha="center", weight=weight, **text)
        if line.kind == "study" and line.study is not None:
            row = line.study
            fig.text(weight_x, i, f"{row.weight:.1f}%" if row.estimable else "", ha="center",
                     **text)
            fig.text(effect_x, i, _effect_text(overall, row.estimate, row.ci_low, row.ci_high),
                     ha="center", **text)
            if row.estimable and row.estimate is not None:
                est = overall.natural(row.estimate)
                lo, hi = overall.natural(row.ci_low), overall.natural(row.ci_high)
                ax.plot([max(lo, low), min(hi, high)], [i, i], color="black", linewidth=0.9,
                        solid_capstyle="butt", zorder=2)
                for edge, marker, beyond in ((low, "<", lo < low), (high, ">", hi > high)):
                    if beyond:
                        ax.plot([edge], [i], marker=marker, color="black", markersize=4,
                                clip_on=False, zorder=3)
                size = 3 + 9 * math.sqrt(max(row.weight, 0.0) / max_weight)
                if low < est < high:
                    ax.plot([est], [i], marker="s", color="#2a6ebb", markersize=size,
                            markeredgecolor="#1b4f8a", zorder=3)
        elif line.kind == "pooled" and line.pooled is not None:
            res = line.pooled
            share = 100.0 if res is overall else _subgroup_share(res, overall)
            fig.text(weight_x, i, f"{share:.1f}%", ha="center", weight="bold", **text)
            fig.text(effect_x, i, _effect_text(res, res.estimate, res.ci_low, res.ci_high),
                     ha="center", weight="bold", **text)
            lo, est, hi = (res.natural(v) for v in (res.ci_low, res.estimate, res.ci_high))
            lo, hi = max(lo, low), min(hi, high)  # type: ignore[type-var]
            est = min(max(est, low), high)  # type: ignore[type-var]
            ax.add_patch(Polygon([(lo, i), (est, i - 0.32), (hi, i), (est, i + 0.32)],
                                 closed=True, facecolor="black", edgecolor="black", zorder=3))
        elif line.kind == "pi" and line.pooled is not None:
            res = line.pooled
            lo, hi = res.natural(res.pi_low), res.natural(res.pi_high)
            fig.text(effect_x, i, f"[{_fmt(lo)}, {_fmt(hi)}]", ha="center", **text)
            ax.plot([max(lo, low), min(hi, high)], [i, i], color="#b22222", linewidth=1.6,  # type: ignore[type-var]
                    zorder=2)
    for x, name in ((0.25, favours_left), (0.75, favours_right)):
        ax.annotate(f"Favours {name}", xy=(x, 0), xycoords="axes fraction", xytext=(0, -22),
                    textcoords="offset points", ha="center", va="top", fontsize=8)
    return fig


def _subgroup_share(result: PoolResult, overall: PoolResult) -> float:
    """A subgroup's share of the overall weight (percent)."""
    names = {r.study for r in result.studies}
    return sum(r.weight for r in overall.studies if r.study in names)


def save_forest(
    analysis: Analysis, directory: Path | str, *, stem: str = "forest",
    formats: Sequence[str] = ("png", "svg"), dpi: int = 150, **options: str | None,
) -> list[Path]:
    """Draw the forest plot and save it as ``stem.png`` and ``stem.svg`` in ``directory``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    fig = draw_forest(analysis, **options)  # type: ignore[arg-type]
    FigureCanvasAgg(fig)
    paths = []
    for fmt in formats:
        path = directory / f"{stem}.{fmt}"
        metadata = {"Date": None} if fmt == "svg" else {}
        fig.savefig(path, format=fmt, dpi=dpi, metadata=metadata)
        paths.append(path)
    return paths
