"""One meta-analysis of one outcome: effects, pooling, subgroups, under a named profile.

:func:`analyse` is what the CLI and the flow call::

    analyse(studies, AnalysisOptions(measure="MD", model="random", profile="revman5"))

Valid combinations: MD, SMD, ROM (ratio of means) and GIV pool by inverse variance (IV);
RR, OR and RD by IV or Mantel-Haenszel (MH); OR also by Peto. Options left as ``None``
take the profile's value (τ² estimator, Hartung-Knapp, prediction interval, method).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from extraction.effects import (
    BINARY_MEASURES,
    CONTINUOUS_MEASURES,
    MEASURES,
    RATIO_MEASURES,
    EffectSizes,
    binary_effects,
    continuous_effects,
    generic_effects,
)
from extraction.errors import PoolingError
from extraction.pooling import (
    POOLING_METHODS,
    TAU2_ESTIMATORS,
    PoolResult,
    StudyResult,
    SubgroupTest,
    get_profile,
    pool_effects,
    pool_mh,
    pool_peto,
    subgroup_test,
)
from extraction.pooling.profiles import Profile
from extraction.studies import BinaryStudy, ContinuousStudy, GenericStudy, Study

__all__ = ["Analysis", "AnalysisOptions", "analyse", "pool_studies"]


@dataclass(frozen=True)
class AnalysisOptions:
    """What to compute; ``None`` means "the profile's default"."""

    measure: str
    method: str | None = None
    model: str = "fixed"
    tau2_method: str | None = None
    hk: bool | None = None
    profile: str = "revman5"
    level: float = 95
    prediction: bool | None = None
    log_scale: bool = False  # GIV: the estimates are log ratios
    outcome: str | None = None

    def resolved(self) -> AnalysisOptions:
        """The options with every default filled in from the profile, and checked."""
        measure = self.measure.upper()
        if measure not in MEASURES:
            raise PoolingError(
                f"Unknown measure {self.measure!r}. Available: {', '.join(MEASURES)}")
        prof = get_profile(self.profile)
        method = POOLING_METHODS.canonical(self.method or prof.default_method(measure))
        if method == "MH" and measure not in BINARY_MEASURES:
            raise PoolingError(f"the Mantel-Haenszel method pools RR, OR or RD, not {measure}")
        if method == "Peto" and measure != "OR":
            raise PoolingError(
                f"Peto's method pools odds ratios only (use --measure OR, not {measure})")
        if self.model not in ("fixed", "random"):
            raise PoolingError(f"Unknown model {self.model!r}. Available: fixed, random")
        if not 0 < self.level < 100:
            raise PoolingError(f"level must be between 0 and 100 (got {self.level:g})")
        tau2 = TAU2_ESTIMATORS.canonical(self.tau2_method or prof.tau2_method)
        return replace(
            self, measure=measure, method=method, tau2_method=tau2, profile=prof.name,
            hk=prof.hk if self.hk is None else self.hk,
            prediction=prof.prediction if self.prediction is None else self.prediction,
            log_scale=self.log_scale if measure == "GIV" else measure in RATIO_MEASURES,
        )


@dataclass(frozen=True)
class Analysis:
    options: AnalysisOptions
    overall: PoolResult
    subgroups: tuple[tuple[str, PoolResult], ...]
    subgroup_test: SubgroupTest | None
    studies: tuple[Study, ...]


def _effects(studies: Sequence[Study], opts: AnalysisOptions, prof: Profile) -> EffectSizes:
    if opts.measure in CONTINUOUS_MEASURES:
        return continuous_effects(studies, measure=opts.measure, smd=prof.smd,  # type: ignore[arg-type]
                                  rom_correct=prof.rom_correct)
    if opts.measure in BINARY_MEASURES:
        return binary_effects(studies, measure=opts.measure, rule=prof.iv_zero)  # type: ignore[arg-type]
    return generic_effects(studies, log_scale=opts.log_scale)  # type: ignore[arg-type]


def _check_data(studies: Sequence[Study], measure: str) -> None:
    kind = (ContinuousStudy if measure in CONTINUOUS_MEASURES
            else BinaryStudy if measure in BINARY_MEASURES else GenericStudy)
    names = {ContinuousStudy: "continuous (mean, SD, n per arm)",
             BinaryStudy: "dichotomous (events, total per arm)",
             GenericStudy: "generic (estimate, SE)"}
    for study in studies:
        if not isinstance(study, kind):
            where = f" ({study.where})" if study.where else ""
            raise PoolingError(
                f"measure {measure} needs {names[kind]} data; study {study.study!r}{where} has "
                f"{names[type(study)]} data"
            )


def pool_studies(studies: Sequence[Study], options: AnalysisOptions) -> PoolResult:
    """Pool ``studies`` as ``options`` say (one group, no subgroups)."""
    opts = options.resolved()
    if not studies:
        raise PoolingError("no studies to pool")
    _check_data(studies, opts.measure)
    prof = get_profile(opts.profile)
    level = opts.level
    if opts.method == "Peto":
        return pool_peto(studies, model=opts.model, level=level, profile=prof.name)  # type: ignore[arg-type]
    if opts.method == "MH":
        return pool_mh(
            studies, measure=opts.measure, model=opts.model, level=level,  # type: ignore[arg-type]
            cells_rule=prof.mh_cells, q_rule=prof.mh_q, rd_variance=prof.mh_rd_variance,
            random_effects=prof.mh_random, hk=bool(opts.hk), prediction=bool(opts.prediction),
            i2=prof.i2, profile=prof.name, ci_solver=prof.tau2_ci_solver,
        )
    eff = _effects(studies, opts, prof)
    ok = eff.estimable
    if not ok.any():
        raise PoolingError("no study is estimable (every study has no events in both arms)")
    labels = [lab for lab, keep in zip(eff.labels, ok, strict=True) if keep]
    result = pool_effects(
        eff.yi[ok], eff.vi[ok], model=opts.model, tau2_method=opts.tau2_method or "DL",
        hk=bool(opts.hk), level=level, prediction=bool(opts.prediction), i2=prof.i2,
        labels=labels, measure=opts.measure, log_scale=eff.log_scale, profile=prof.name,
        ci_solver=prof.tau2_ci_solver,
    )
    by_label = iter(result.studies)
    rows = []
    for i, label in enumerate(eff.labels):
        if ok[i]:
            row = next(by_label)
            rows.append(replace(row, subgroup=eff.subgroups[i], note=eff.notes[i]))
        else:
            rows.append(StudyResult(label, None, None, None, None, 0.0, False, eff.subgroups[i],
                                    eff.notes[i]))
    return replace(result, k=len(studies), studies=tuple(rows))


def analyse(studies: Sequence[Study], options: AnalysisOptions) -> Analysis:
    """Pool all studies, and each subgroup when the studies carry subgroup labels."""
    opts = options.resolved()
    studies = tuple(studies)
    overall = pool_studies(studies, opts)
    labelled = {s.subgroup for s in studies}
    if labelled == {None}:
        return Analysis(opts, overall, (), None, studies)
    missing = [s for s in studies if not s.subgroup]
    if missing:
        where = f" ({missing[0].where})" if missing[0].where else ""
        raise PoolingError(
            f"study {missing[0].study!r}{where} has no subgroup while others have one; "
            "give every study a subgroup or none"
        )
    order = list(dict.fromkeys(s.subgroup for s in studies))
    groups = []
    for name in order:
        members = [s for s in studies if s.subgroup == name]
        groups.append((str(name), pool_studies(members, opts)))
    return Analysis(opts, overall, tuple(groups), subgroup_test([g for _, g in groups]), studies)
