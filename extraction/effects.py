"""Effect sizes per study: MD, SMD (Hedges' g, RevMan 5 or metafor), RR, OR, RD, Peto OR.

Ratio measures are on the log scale (natural log). Formulas:

* MD: y = m₁ − m₂, v = s₁²/n₁ + s₂²/n₂ (RevMan 5; metafor ``vtype="LS"``).
* SMD, pooled SD s = √(((n₁−1)s₁² + (n₂−1)s₂²)/(N−2)), d = (m₁ − m₂)/s, N = n₁ + n₂:
  - ``revman5``: g = d (1 − 3/(4N − 9)), v = N/(n₁n₂) + g²/(2(N − 3.94))
    (Deeks & Higgins, *Statistical algorithms in Review Manager 5*);
  - ``metafor``: g = J d with the exact J = Γ(m/2) / (√(m/2) Γ((m−1)/2)), m = N − 2,
    v = 1/n₁ + 1/n₂ + g²/(2N) (``escalc(measure="SMD")``, ``vtype="LS"``).
* ROM (ratio of means, metafor's ``measure="ROM"``; not in RevMan 5): y = ln(m₁/m₂),
  v = s₁²/(n₁m₁²) + s₂²/(n₂m₂²); both means must be positive. With ``rom_correct`` (the
  ``metafor`` profile, as metafor 5 does by default) y gains Lajeunesse's (2015) bias
  correction ½(s₁²/(n₁m₁²) − s₂²/(n₂m₂²)).
* RR: y = ln((a/n₁)/(c/n₂)), v = 1/a − 1/n₁ + 1/c − 1/n₂.
* OR: y = ln(ad/(bc)), v = 1/a + 1/b + 1/c + 1/d.
* RD: y = a/n₁ − c/n₂, v = p₁(1−p₁)/n₁ + p₂(1−p₂)/n₂.
* Peto OR: y = (O − E)/V, v = 1/V with O = a, E = n₁(a+c)/N, V = n₁n₂(a+c)(b+d)/(N²(N−1)).

Zero cells follow a :class:`ZeroCellRule` (the profiles in
:mod:`extraction.pooling.profiles` choose them): add ``add`` to every cell of a study with
a zero cell (``to="only0"``), of every study (``"all"``) or never (``"none"``), and mark
studies with no events, or only events, in both arms *not estimable* for the measures in
``drop_double_zero``. A not-estimable study stays in the forest plot with weight 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaln

from extraction.errors import PoolingError
from extraction.studies import (
    BinaryStudy,
    ContinuousStudy,
    GenericStudy,
    Study,
    check_studies,
)

__all__ = [
    "BINARY_MEASURES",
    "CONTINUOUS_MEASURES",
    "MEASURES",
    "RATIO_MEASURES",
    "EffectSizes",
    "ZeroCellRule",
    "binary_effects",
    "cells",
    "continuous_effects",
    "generic_effects",
    "hedges_j",
    "peto_effects",
]

CONTINUOUS_MEASURES = ("MD", "SMD", "ROM")
BINARY_MEASURES = ("RR", "OR", "RD")
MEASURES = (*CONTINUOUS_MEASURES, *BINARY_MEASURES, "GIV")
RATIO_MEASURES = ("RR", "OR", "ROM")
SMD_CONVENTIONS = ("revman5", "metafor")


@dataclass(frozen=True, slots=True)
class ZeroCellRule:
    """How zero cells are handled when a 2×2 table is turned into an effect."""

    add: float = 0.5
    to: str = "only0"  # "only0" | "all" | "none"
    drop_double_zero: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, eq=False)
class EffectSizes:
    """Per-study effects ``yi`` and variances ``vi`` (NaN where not estimable)."""

    measure: str
    labels: tuple[str, ...]
    yi: np.ndarray
    vi: np.ndarray
    notes: tuple[str | None, ...]
    subgroups: tuple[str | None, ...]
    log_scale: bool = False

    @property
    def estimable(self) -> np.ndarray:
        return np.isfinite(self.yi) & np.isfinite(self.vi) & (self.vi > 0)


def _check_kind(studies: Sequence[Study], kind: type, measure: str) -> None:
    for study in studies:
        if not isinstance(study, kind):
            raise PoolingError(
                f"measure {measure} needs {kind.__name__.replace('Study', '').lower()} data; "
                f"study {study.study!r} has {type(study).__name__.replace('Study', '').lower()}"
                " data"
            )
    check_studies(list(studies))


def hedges_j(m: float) -> float:
    """The exact small-sample correction J(m) = Γ(m/2) / (√(m/2) Γ((m−1)/2))."""
    return math.exp(gammaln(m / 2) - 0.5 * math.log(m / 2) - gammaln((m - 1) / 2))


def continuous_effects(
    studies: Sequence[ContinuousStudy], *, measure: str, smd: str = "revman5",
    rom_correct: bool = False,
) -> EffectSizes:
    """MD, SMD or ROM per study (see the module docstring for the conventions)."""
    if measure not in CONTINUOUS_MEASURES:
        raise PoolingError(f"{measure} is not a measure for continuous data (MD, SMD, ROM)")
    if smd not in SMD_CONVENTIONS:
        raise PoolingError(f"Unknown SMD convention {smd!r}. Available: metafor, revman5")
    _check_kind(studies, ContinuousStudy, measure)
    yi, vi = [], []
    for s in studies:
        if measure == "MD":
            yi.append(s.mean1 - s.mean2)
            vi.append(s.sd1**2 / s.n1 + s.sd2**2 / s.n2)
            continue
        if measure == "ROM":
            if not (s.mean1 > 0 and s.mean2 > 0):
                where = f" ({s.where})" if s.where else ""
                raise PoolingError(
                    f"study {s.study!r}{where}: a ratio of means needs positive means "
                    f"(got {s.mean1:g} and {s.mean2:g})"
                )
            v1, v2 = s.sd1**2 / (s.n1 * s.mean1**2), s.sd2**2 / (s.n2 * s.mean2**2)
            yi.append(math.log(s.mean1 / s.mean2) + ((v1 - v2) / 2 if rom_correct else 0.0))
            vi.append(v1 + v2)
            continue
        n = s.n1 + s.n2
        sp = math.sqrt(((s.n1 - 1) * s.sd1**2 + (s.n2 - 1) * s.sd2**2) / (n - 2))
        d = (s.mean1 - s.mean2) / sp
        if smd == "revman5":
            g = d * (1 - 3 / (4 * n - 9))
            yi.append(g)
            vi.append(n / (s.n1 * s.n2) + g**2 / (2 * (n - 3.94)))
        else:
            g = hedges_j(n - 2) * d
            yi.append(g)
            vi.append(1 / s.n1 + 1 / s.n2 + g**2 / (2 * n))
    return EffectSizes(
        measure, tuple(s.study for s in studies), np.array(yi, float), np.array(vi, float),
        (None,) * len(studies), tuple(s.subgroup for s in studies),
        log_scale=measure in RATIO_MEASURES,
    )


def cells(study: BinaryStudy) -> tuple[float, float, float, float]:
    """The 2×2 table (a, b, c, d): events and non-events in arm 1, then in arm 2."""
    return (study.events1, study.total1 - study.events1,
            study.events2, study.total2 - study.events2)


def double_zero_note(a: float, b: float, c: float, d: float) -> str | None:
    if a == 0 and c == 0:
        return "not estimable: no events in either arm"
    if b == 0 and d == 0:
        return "not estimable: every participant had the event in both arms"
    return None


def corrected_cells(
    table: tuple[float, float, float, float], rule: ZeroCellRule
) -> tuple[tuple[float, float, float, float], bool]:
    """The cells after the rule's continuity correction, and whether it was applied."""
    if rule.to == "all" or (rule.to == "only0" and 0 in table):
        if rule.add:
            return tuple(x + rule.add for x in table), True  # type: ignore[return-value]
    elif rule.to not in ("only0", "all", "none"):
        raise PoolingError(f"Unknown zero-cell rule {rule.to!r}. Available: all, none, only0")
    return table, False


def _binary_effect(measure: str, a: float, b: float, c: float, d: float) -> tuple[float, float]:
    n1, n2 = a + b, c + d
    if measure == "RR":
        if a == 0 or c == 0:
            return math.nan, math.nan
        return math.log((a / n1) / (c / n2)), 1 / a - 1 / n1 + 1 / c - 1 / n2
    if measure == "OR":
        if 0 in (a, b, c, d):
            return math.nan, math.nan
        return math.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d
    p1, p2 = a / n1, c / n2
    v = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    return p1 - p2, v if v > 0 else math.nan


def binary_effects(
    studies: Sequence[BinaryStudy], *, measure: str, rule: ZeroCellRule = ZeroCellRule()
) -> EffectSizes:
    """RR, OR or RD per study, with the zero-cell ``rule``."""
    if measure not in BINARY_MEASURES:
        raise PoolingError(f"{measure} is not a measure for dichotomous data (RR, OR, RD)")
    _check_kind(studies, BinaryStudy, measure)
    yi, vi, notes = [], [], []
    for s in studies:
        table = cells(s)
        dropped = double_zero_note(*table)
        if dropped and measure in rule.drop_double_zero:
            yi.append(math.nan)
            vi.append(math.nan)
            notes.append(dropped)
            continue
        table, corrected = corrected_cells(table, rule)
        y, v = _binary_effect(measure, *table)
        yi.append(y)
        vi.append(v)
        if not math.isfinite(y) or not math.isfinite(v):
            notes.append(dropped or "not estimable: a zero cell and no continuity correction")
        else:
            notes.append(f"{rule.add:g} added to each cell" if corrected else None)
    return EffectSizes(
        measure, tuple(s.study for s in studies), np.array(yi, float), np.array(vi, float),
        tuple(notes), tuple(s.subgroup for s in studies), log_scale=measure in RATIO_MEASURES,
    )


def peto_parts(a: float, b: float, c: float, d: float) -> tuple[float, float]:
    """(O − E, V) of one 2×2 table; V = 0 when no one, or everyone, had the event."""
    n1, n2 = a + b, c + d
    n = n1 + n2
    events = a + c
    o_minus_e = a - n1 * events / n
    v = n1 * n2 * events * (b + d) / (n**2 * (n - 1)) if n > 1 else 0.0
    return o_minus_e, v


def peto_effects(studies: Sequence[BinaryStudy]) -> EffectSizes:
    """Peto log odds ratio (O − E)/V and variance 1/V per study; V = 0: not estimable."""
    _check_kind(studies, BinaryStudy, "Peto OR")
    yi, vi, notes = [], [], []
    for s in studies:
        o_e, v = peto_parts(*cells(s))
        if v > 0:
            yi.append(o_e / v)
            vi.append(1 / v)
            notes.append(None)
        else:
            yi.append(math.nan)
            vi.append(math.nan)
            notes.append(double_zero_note(*cells(s)))
    return EffectSizes(
        "OR", tuple(s.study for s in studies), np.array(yi, float), np.array(vi, float),
        tuple(notes), tuple(s.subgroup for s in studies), log_scale=True,
    )


def generic_effects(studies: Sequence[GenericStudy], *, log_scale: bool = False) -> EffectSizes:
    """Estimates and SEs as given (generic inverse variance); ``log_scale`` for log ratios."""
    _check_kind(studies, GenericStudy, "GIV")
    return EffectSizes(
        "GIV", tuple(s.study for s in studies),
        np.array([s.estimate for s in studies], float),
        np.array([s.se**2 for s in studies], float),
        (None,) * len(studies), tuple(s.subgroup for s in studies), log_scale=log_scale,
    )
