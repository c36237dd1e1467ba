"""Study-level data ready for pooling: one object per study (two arms, or an estimate).

* :class:`ContinuousStudy`: mean, SD and n per arm (MD, SMD).
* :class:`BinaryStudy`: events and total per arm (RR, OR, RD, Peto OR).
* :class:`GenericStudy`: an estimate and its standard error (generic inverse variance).

Arm 1 is the intervention ("experimental") arm, arm 2 the control. ``where`` is the
``file:row`` the study came from, used in messages. :func:`study_problems` lists what is
wrong with a study's values as ``(column, message, value)``; loaders turn them into
``file:row: column: message`` problems and the effect-size code into a PoolingError.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "BinaryStudy",
    "ContinuousStudy",
    "GenericStudy",
    "Study",
    "check_studies",
    "study_problems",
]


@dataclass(frozen=True, slots=True)
class ContinuousStudy:
    study: str
    mean1: float
    sd1: float
    n1: float
    mean2: float
    sd2: float
    n2: float
    subgroup: str | None = None
    where: str | None = None


@dataclass(frozen=True, slots=True)
class BinaryStudy:
    study: str
    events1: float
    total1: float
    events2: float
    total2: float
    subgroup: str | None = None
    where: str | None = None


@dataclass(frozen=True, slots=True)
class GenericStudy:
    study: str
    estimate: float
    se: float
    subgroup: str | None = None
    where: str | None = None


Study = ContinuousStudy | BinaryStudy | GenericStudy


def _finite(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def study_problems(study: Study) -> list[tuple[str, str, object]]:
    """Every bad value of ``study`` as ``(column, message, value)``; empty when it is fine."""
    found: list[tuple[str, str, object]] = []

    def need(column: str, value: object, ok: bool, message: str) -> None:
        if not _finite(value):  # type: ignore[arg-type]
            found.append((column, "missing or not a number", value))
        elif not ok:
            found.append((column, message, value))

    if isinstance(study, ContinuousStudy):
        for arm in ("1", "2"):
            mean, sd, n = (getattr(study, f"{c}{arm}") for c in ("mean", "sd", "n"))
            need(f"mean{arm}", mean, True, "")
            need(f"sd{arm}", sd, _finite(sd) and sd > 0, "must be positive")
            need(f"n{arm}", n, _finite(n) and n >= 2, "must be at least 2 (an SD needs two)")
    elif isinstance(study, BinaryStudy):
        for arm in ("1", "2"):
            events, total = getattr(study, f"events{arm}"), getattr(study, f"total{arm}")
            need(f"total{arm}", total, _finite(total) and total >= 1,
                 "must be at least 1 (an arm with no participants)")
            need(f"events{arm}", events, _finite(events) and events >= 0, "must not be negative")
            if _finite(events) and _finite(total) and events > total >= 1:
                found.append((f"events{arm}",
                               f"more events than participants (total{arm} = {total:g})", events))
            for column, value in ((f"events{arm}", events), (f"total{arm}", total)):
                if _finite(value) and value != int(value):
                    found.append((column, "must be a whole number", value))
    elif isinstance(study, GenericStudy):
        need("estimate", study.estimate, True, "")
        need("se", study.se, _finite(study.se) and study.se > 0, "must be positive")
    return found


def check_studies(studies: list[Study] | tuple[Study, ...]) -> None:
    """Raise PoolingError naming the study (and its file:row) for the first bad values."""
    from extraction.errors import PoolingError

    lines = []
    for study in studies:
        for column, message, value in study_problems(study):
            where = f" ({study.where})" if study.where else ""
            lines.append(f"study {study.study!r}{where}: {column}: {message} (got {value!r})")
    if lines:
        raise PoolingError("\n".join(lines))
