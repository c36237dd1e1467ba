"""What a pooling step returns: one :class:`PoolResult`, with a :class:`StudyResult` per study.

Estimates, standard errors and intervals are on the *analysis scale*: the log scale for
ratio measures (RR, OR, Peto OR, a GIV of log ratios), the natural scale otherwise.
:meth:`PoolResult.natural` maps a value to the scale people read (``exp`` for ratios).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["PoolResult", "StudyResult", "SubgroupTest"]

_EMPTY: Mapping[str, float] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class StudyResult:
    """One study in a pooled analysis: its own estimate, interval and weight (percent)."""

    study: str
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    weight: float
    estimable: bool = True
    subgroup: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class SubgroupTest:
    """The test for subgroup differences (a Q test between the subgroup estimates)."""

    q: float
    df: int
    p: float
    i2: float


@dataclass(frozen=True)
class PoolResult:
    """A pooled estimate with its heterogeneity statistics.

    ``i2`` and its interval are percentages (0-100). ``tau2`` is ``None`` for a fixed-effect
    model and when k = 1; otherwise it is >= 0. Statistics that need two studies
    (``q``, ``i2``, ``h2``, ``tau2``...) are ``None`` when k = 1, and ``warnings`` says so.
    ``statistic`` is a z value, or a t value with ``df`` degrees of freedom when
    ``test == "t"`` (Hartung-Knapp-Sidik-Jonkman). ``converged`` is False when an
    iterative tau² estimator did not converge; reports must show it.
    """

    measure: str
    method: str
    model: str
    level: float
    k: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    statistic: float
    p: float
    log_scale: bool = False
    test: str = "z"
    df: int | None = None
    tau2_method: str | None = None
    tau2: float | None = None
    tau2_se: float | None = None
    tau2_ci_low: float | None = None
    tau2_ci_high: float | None = None
    i2: float | None = None
    i2_ci_low: float | None = None
    i2_ci_high: float | None = None
    h2: float | None = None
    h2_ci_low: float | None = None
    h2_ci_high: float | None = None
    q: float | None = None
    q_df: int | None = None
    q_p: float | None = None
    pi_low: float | None = None
    pi_high: float | None = None
    converged: bool = True
    profile: str | None = None
    warnings: tuple[str, ...] = ()
    studies: tuple[StudyResult, ...] = ()
    extra: Mapping[str, float] = field(default_factory=lambda: _EMPTY)

    def __post_init__(self) -> None:
        if self.tau2 is not None and not self.tau2 >= 0:
            raise ValueError(f"tau2 must be >= 0 (got {self.tau2})")

    @property
    def tau(self) -> float | None:
        return None if self.tau2 is None else math.sqrt(self.tau2)

    def natural(self, value: float | None) -> float | None:
        """``value`` on the scale people read: ``exp`` for ratio measures."""
        if value is None:
            return None
        return math.exp(value) if self.log_scale else value
