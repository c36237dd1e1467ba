"""The extraction form: one row per study, outcome, time point and arm.

Columns (lower-case; ``study``, ``outcome``, ``arm`` and ``group`` are required)::

    record_id   the included record the study came from (optional)
    study       study label, e.g. "Smith 2019"
    report      the report (publication, registry entry) the numbers were taken from
    outcome     outcome name, e.g. "pain"
    timepoint   e.g. "24 h" (blank when there is only one)
    arm         arm name, e.g. "ketamine 0.5 mg/kg"
    group       intervention | control | comparison (a study-level estimate, for GIV)
    subgroup    optional subgroup of the study, for subgroup analyses
    n, mean, sd                      continuous data per arm
    se | ci_low, ci_high, ci_level   instead of sd: SE or CI of the arm mean (to SD)
    median with q1, q3 and/or min, max   instead of mean and sd (to mean and SD)
    events, total                    dichotomous data per arm
    estimate, estimate_se | estimate_variance   a study-level estimate (group comparison)
    notes

Conversions (see :mod:`extraction.conversions`) happen when a study is built; each one is
noted. Two or more arms of one study with the same group are combined (continuous: the
Cochrane Handbook formula; dichotomous: events and totals added). Every problem is reported
as ``file:row: column: message (got 'value')``, all of them in one pass.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extraction.conversions import (
    ConversionError,
    combine_groups,
    mean_sd_from_quantiles,
    sd_from_ci,
    sd_from_se,
)
from extraction.errors import ExtractionInputError, Problem
from extraction.studies import BinaryStudy, ContinuousStudy, GenericStudy, Study
from extraction.tables import Row, Table, read_table

__all__ = [
    "COLUMNS",
    "COLUMN_HELP",
    "GROUPS",
    "REQUIRED",
    "ArmData",
    "Extraction",
    "check_extraction",
    "load_extraction",
]

COLUMN_HELP: dict[str, str] = {
    "record_id": "id of the included record (from the review's exports/included.csv)",
    "study": "study label, e.g. 'Smith 2019' (required)",
    "report": "the report the numbers come from (journal article, registry entry, CSR...)",
    "outcome": "outcome name (required), e.g. 'pain'",
    "timepoint": "time point, e.g. '24 h'; blank if only one",
    "arm": "arm name (required), e.g. 'ketamine 0.5 mg/kg'",
    "group": "intervention, control, or comparison (a study-level estimate for GIV)",
    "subgroup": "subgroup of the study, for subgroup analyses (optional)",
    "n": "participants analysed in the arm (continuous outcomes)",
    "mean": "mean of the arm",
    "sd": "standard deviation of the arm",
    "se": "standard error of the arm mean (converted: SD = SE x sqrt(n))",
    "ci_low": "lower limit of the CI of the arm mean (converted to SD)",
    "ci_high": "upper limit of the CI of the arm mean",
    "ci_level": "confidence level of that CI in percent (default 95)",
    "median": "median (with q1/q3 and/or min/max: converted to mean and SD)",
    "q1": "first quartile",
    "q3": "third quartile",
    "min": "minimum",
    "max": "maximum",
    "events": "participants with the event (dichotomous outcomes)",
    "total": "participants in the arm (dichotomous outcomes)",
    "estimate": "study-level effect estimate (group = comparison; log scale for ratios)",
    "estimate_se": "standard error of that estimate",
    "estimate_variance": "variance of that estimate (instead of estimate_se)",
    "notes": "free text",
}
COLUMNS: tuple[str, ...] = tuple(COLUMN_HELP)
REQUIRED = ("study", "outcome", "arm", "group")
GROUPS = ("intervention", "control", "comparison")
_CONTINUOUS = ("n", "mean", "sd", "se", "ci_low", "ci_high", "median", "q1", "q3", "min", "max")
_BINARY = ("events", "total")
_GENERIC = ("estimate", "estimate_se", "estimate_variance")
_NUMERIC = (*_CONTINUOUS, "ci_level", *_BINARY, *_GENERIC)


@dataclass(frozen=True, slots=True)
class ArmData:
    """One validated row: its key, kind (continuous/dichotomous/generic) and numbers."""

    row: int
    study: str
    outcome: str
    timepoint: str
    arm: str
    group: str
    subgroup: str | None
    kind: str
    values: dict[str, float]
    note: str | None = None


@dataclass(frozen=True)
class Extraction:
    """A validated extraction file."""

    path: str
    arms: tuple[ArmData, ...]

    def outcomes(self) -> list[str]:
        return list(dict.fromkeys(a.outcome for a in self.arms))

    def timepoints(self, outcome: str) -> list[str]:
        return list(dict.fromkeys(a.timepoint for a in self.arms if a.outcome == outcome))

    def conversions(self) -> list[str]:
        return [f"{self.path}:{a.row}: {a.note}" for a in self.arms if a.note]

    def studies(self, outcome: str, timepoint: str = "") -> list[Study]:
        """The studies of one outcome and time point, arms combined, ready for pooling."""
        chosen = [a for a in self.arms if a.outcome == outcome and a.timepoint == timepoint]
        by_study: dict[str, list[ArmData]] = defaultdict(list)
        for arm in chosen:
            by_study[arm.study].append(arm)
        return [_study(self.path, arms) for arms in by_study.values()]


def _number(row: Row, column: str, problems: list[Problem], path: str) -> float | None:
    raw = row.get(column)
    if raw is None:
        return None
    if isinstance(raw, bool):
        problems.append(Problem(path, row.number, column, "not a number", str(raw)))
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        try:
            value = float(str(raw).replace(",", "."))
        except ValueError:
            problems.append(Problem(path, row.number, column, "not a number", str(raw)))
            return None
    if not math.isfinite(value):
        problems.append(Problem(path, row.number, column, "not a finite number", str(raw)))
        return None
    return value


def _text(row: Row, column: str) -> str | None:
    value = row.get(column)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


def _check_continuous(path: str, row: int, v: dict[str, float], out: list[Problem]) -> str | None:
    """Check one continuous arm; fill in mean/sd from conversions. Returns a note."""

    def bad(column: str, message: str, value: float | None = None) -> None:
        out.append(Problem(path, row, column, message, None if value is None else f"{value:g}"))

    start = len(out)
    n = v.get("n")
    if n is None:
        bad("n", "missing (participants analysed in the arm)")
    elif n < 2:
        bad("n", "must be at least 2 (an SD needs two participants)", n)
    elif n != int(n):
        bad("n", "must be a whole number", n)
    for column in ("sd", "se"):
        if column in v and v[column] <= 0:
            bad(column, "must be positive", v[column])
    if len(out) > start or n is None:
        return None
    if "mean" in v and "sd" in v:
        return None
    try:
        if "mean" in v and "se" in v:
            v["sd"] = sd_from_se(v["se"], n)
            return "sd from se (SD = SE x sqrt(n))"
        if "mean" in v and "ci_low" in v and "ci_high" in v:
            level = v.get("ci_level", 95.0)
            v["sd"] = sd_from_ci(v["ci_low"], v["ci_high"], n, level=level)
            return f"sd from the {level:g}% CI of the mean"
        if "median" in v and (("q1" in v and "q3" in v) or ("min" in v and "max" in v)):
            got = mean_sd_from_quantiles(
                n=n, median=v["median"], q1=v.get("q1"), q3=v.get("q3"),
                minimum=v.get("min"), maximum=v.get("max"),
            )
            v["mean"], v["sd"] = got.mean, got.sd
            skew = "; the data look skewed (Shi et al. test)" if got.skewed else ""
            return f"mean and sd from the median ({got.method}){skew}"
    except ConversionError as exc:
        bad("median" if "median" in v else "ci_low", str(exc))
        return None
    if "mean" not in v and "median" not in v:
        bad("mean", "missing (give mean with sd, se or ci_low/ci_high; or median with "
                    "q1/q3 and/or min/max)")
    elif "mean" in v:
        bad("sd", "missing (give sd, se, or ci_low and ci_high)")
    else:
        bad("median", "needs q1 and q3, or min and max, to be converted")
    return None


def _check_row(path: str, row: Row, out: list[Problem]) -> ArmData | None:
    start = len(out)
    text = {c: _text(row, c) for c in ("study", "outcome", "timepoint", "arm", "group",
                                      "subgroup", "record_id", "report", "notes")}
    for column in REQUIRED:
        if not text[column]:
            out.append(Problem(path, row.number, column, "missing"))
    group = (text["group"] or "").lower()
    if text["group"] and group not in GROUPS:
        out.append(Problem(path, row.number, "group",
                           f"must be one of {', '.join(GROUPS)}", text["group"]))
    values: dict[str, float] = {}
    for column in _NUMERIC:
        number = _number(row, column, out, path)
        if number is not None:
            values[column] = number
    kinds = [name for name, cols in (("continuous", _CONTINUOUS), ("dichotomous", _BINARY),
                                     ("generic", _GENERIC)) if any(c in values for c in cols)]
    if len(out) > start:
        return None
    if not kinds:
        out.append(Problem(path, row.number, "data", "no numbers in this row (give n/mean/sd, "
                                                     "events/total, or estimate/estimate_se)"))
        return None
    if len(kinds) > 1:
        out.append(Problem(path, row.number, "data",
                           f"mixes {' and '.join(kinds)} columns; use one kind per row"))
        return None
    kind, note = kinds[0], None
    if (kind == "generic") != (group == "comparison"):
        out.append(Problem(path, row.number, "group", "estimate/estimate_se rows must have "
                           "group 'comparison', and only they", text["group"]))
        return None
    if kind == "continuous":
        note = _check_continuous(path, row.number, values, out)
    elif kind == "dichotomous":
        _check_binary(path, row.number, values, out)
    else:
        _check_generic(path, row.number, values, out)
    if len(out) > start:
        return None
    return ArmData(row.number, text["study"] or "", text["outcome"] or "",
                   text["timepoint"] or "", text["arm"] or "", group, text["subgroup"],
                   kind, values, note)


def _check_binary(path: str, row: int, v: dict[str, float], out: list[Problem]) -> None:
    events, total = v.get("events"), v.get("total")
    if total is None:
        out.append(Problem(path, row, "total", "missing (participants in the arm)"))
    elif total < 1:
        out.append(Problem(path, row, "total", "must be at least 1 (an arm with no "
                                               "participants)", f"{total:g}"))
    elif total != int(total):
        out.append(Problem(path, row, "total", "must be a whole number", f"{total:g}"))
    if events is None:
        out.append(Problem(path, row, "events", "missing (participants with the event)"))
    elif events < 0:
        out.append(Problem(path, row, "events", "must not be negative", f"{events:g}"))
    elif events != int(events):
        out.append(Problem(path, row, "events", "must be a whole number", f"{events:g}"))
    elif total is not None and total >= 1 and events > total:
        out.append(Problem(path, row, "events",
                           f"more events than participants (total {total:g})", f"{events:g}"))


def _check_generic(path: str, row: int, v: dict[str, float], out: list[Problem]) -> None:
    if "estimate" not in v:
        out.append(Problem(path, row, "estimate", "missing"))
    if "estimate_se" in v and "estimate_variance" in v:
        out.append(Problem(path, row, "estimate_se", "give estimate_se or estimate_variance, "
                                                     "not both"))
    elif "estimate_variance" in v:
        if v["estimate_variance"] <= 0:
            out.append(Problem(path, row, "estimate_variance", "must be positive",
                               f"{v['estimate_variance']:g}"))
        else:
            v["estimate_se"] = math.sqrt(v["estimate_variance"])
    elif "estimate_se" not in v:
        out.append(Problem(path, row, "estimate_se", "missing (or give estimate_variance)"))
    elif v["estimate_se"] <= 0:
        out.append(Problem(path, row, "estimate_se", "must be positive", f"{v['estimate_se']:g}"))


def _check_groups(path: str, arms: Iterable[ArmData], out: list[Problem],
                  broken: set[tuple[str, str, str]]) -> None:
    """Duplicate arms, one kind of data per outcome, an intervention and a control arm per
    study (skipped for studies with a bad row, whose problem is already reported)."""
    seen: dict[tuple[str, str, str, str], int] = {}
    by_comparison: dict[tuple[str, str, str], list[ArmData]] = defaultdict(list)
    kind_of_outcome: dict[str, tuple[str, int]] = {}
    for arm in arms:
        key = (arm.study, arm.outcome, arm.timepoint, arm.arm)
        if key in seen:
            out.append(Problem(path, arm.row, "arm", f"the same study, outcome, time point and "
                               f"arm as row {seen[key]}", arm.arm))
            continue
        seen[key] = arm.row
        by_comparison[key[:3]].append(arm)
        first = kind_of_outcome.setdefault(arm.outcome, (arm.kind, arm.row))
        if first[0] != arm.kind:
            out.append(Problem(path, arm.row, "data", f"{arm.kind} data, but outcome "
                               f"{arm.outcome!r} has {first[0]} data in row {first[1]}"))
    for (study, outcome, timepoint), members in by_comparison.items():
        if (study, outcome, timepoint) in broken:
            continue
        groups = {a.group for a in members}
        subgroups = {a.subgroup for a in members}
        where = f"study {study!r}, outcome {outcome!r}" + (f", {timepoint}" if timepoint else "")
        if "comparison" in groups:
            if len(members) > 1:
                out.append(Problem(path, members[1].row, "group", f"{where}: a 'comparison' "
                                   "row must be the only row of its study and outcome"))
        else:
            for needed in ("intervention", "control"):
                if needed not in groups:
                    out.append(Problem(path, members[0].row, "group",
                                       f"{where}: no {needed} arm"))
        if len(subgroups) > 1:
            out.append(Problem(path, members[-1].row, "subgroup",
                               f"{where}: arms in different subgroups"))


def check_extraction(table: Table) -> tuple[list[ArmData], list[Problem]]:
    """Validate every row and the arms of every study; returns (arms, problems)."""
    problems: list[Problem] = []
    missing = [c for c in REQUIRED if c not in table.columns]
    unknown = [c for c in table.columns if c not in COLUMN_HELP]
    for column in missing:
        problems.append(Problem(table.path, 1, column, "required column is missing"))
    for column in unknown:
        problems.append(Problem(table.path, 1, column, "unknown column (known: "
                                + ", ".join(COLUMNS) + ")"))
    if problems:
        return [], problems
    if not table.rows:
        return [], [Problem(table.path, 2, "file", "no data rows")]
    arms: list[ArmData] = []
    broken: set[tuple[str, str, str]] = set()
    for row in table.rows:
        arm = _check_row(table.path, row, problems)
        if arm is None:
            broken.add(tuple(_text(row, c) or "" for c in ("study", "outcome", "timepoint")))
        else:
            arms.append(arm)
    _check_groups(table.path, arms, problems, broken)
    problems.sort(key=lambda p: p.row)
    return arms, problems


def load_extraction(path: Path | str) -> Extraction:
    """Read and validate an extraction file (.csv or .xlsx); all problems in one error."""
    table = read_table(path)
    arms, problems = check_extraction(table)
    if problems:
        raise ExtractionInputError(problems, path=table.path)
    return Extraction(table.path, tuple(arms))


def _combined(arms: list[ArmData]) -> dict[str, float]:
    first = arms[0]
    if first.kind == "dichotomous":
        return {"events": sum(a.values["events"] for a in arms),
                "total": sum(a.values["total"] for a in arms)}
    n, mean, sd = first.values["n"], first.values["mean"], first.values["sd"]
    for arm in arms[1:]:
        n, mean, sd = combine_groups(n, mean, sd, arm.values["n"], arm.values["mean"],
                                     arm.values["sd"])
    return {"n": n, "mean": mean, "sd": sd}


def _study(path: str, arms: list[ArmData]) -> Study:
    first = arms[0]
    where = f"{path}:{first.row}"
    if first.kind == "generic":
        v = first.values
        return GenericStudy(first.study, v["estimate"], v["estimate_se"], first.subgroup, where)
    one = _combined([a for a in arms if a.group == "intervention"])
    two = _combined([a for a in arms if a.group == "control"])
    if first.kind == "dichotomous":
        return BinaryStudy(first.study, one["events"], one["total"], two["events"],
                           two["total"], first.subgroup, where)
    return ContinuousStudy(first.study, one["mean"], one["sd"], one["n"], two["mean"],
                           two["sd"], two["n"], first.subgroup, where)


def describe(arm: ArmData) -> dict[str, Any]:
    """A row's key fields, for messages and comparisons."""
    return {"study": arm.study, "outcome": arm.outcome, "timepoint": arm.timepoint,
            "arm": arm.arm, "group": arm.group}
