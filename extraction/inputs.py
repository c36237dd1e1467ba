"""The studies to pool, from an extraction form or a plain study table.

A *plain* table (CSV or XLSX) has one row per study: a ``study`` column and one of

* ``mean1, sd1, n1, mean2, sd2, n2``  (continuous; arm 1 = intervention)
* ``events1, total1, events2, total2``  (dichotomous)
* ``estimate, se`` or ``estimate, variance``  (generic inverse variance)

and optionally ``subgroup`` and ``outcome`` (rows of other outcomes are skipped when
``--outcome`` is given). A table with ``outcome``, ``arm`` and ``group`` columns is an
extraction form (:mod:`extraction.schema`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from extraction.errors import ExtractionInputError, Problem
from extraction.schema import Extraction, check_extraction
from extraction.studies import BinaryStudy, ContinuousStudy, GenericStudy, Study, study_problems
from extraction.tables import Row, Table, read_table

__all__ = ["LoadedStudies", "load_studies", "read_plain_table"]

_SETS = {
    "continuous": ("mean1", "sd1", "n1", "mean2", "sd2", "n2"),
    "dichotomous": ("events1", "total1", "events2", "total2"),
    "generic": ("estimate",),
}
_OPTIONAL = ("study", "subgroup", "outcome", "se", "variance", "notes")


@dataclass(frozen=True)
class LoadedStudies:
    path: str
    studies: tuple[Study, ...]
    outcome: str | None
    timepoint: str | None
    notes: tuple[str, ...] = ()


def _is_extraction(table: Table) -> bool:
    return {"outcome", "arm", "group"} <= set(table.columns)


def _value(row: Row, column: str, path: str, problems: list[Problem]) -> float:
    raw = row.get(column)
    if raw is None:
        problems.append(Problem(path, row.number, column, "missing value"))
        return math.nan
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        problems.append(Problem(path, row.number, column, "not a number", str(raw)))
        return math.nan
    try:
        value = float(raw.replace(",", ".")) if isinstance(raw, str) else float(raw)
    except ValueError:
        problems.append(Problem(path, row.number, column, "not a number", str(raw)))
        return math.nan
    return value


def read_plain_table(table: Table, *, outcome: str | None = None) -> list[Study]:
    """Studies from a plain one-row-per-study table; every problem as file:row: column."""
    path = table.path
    kinds = [k for k, cols in _SETS.items() if set(cols) <= set(table.columns)]
    if "study" not in table.columns:
        raise ExtractionInputError([Problem(path, 1, "study", "required column is missing")],
                                   path=path)
    if len(kinds) != 1:
        found = "none of" if not kinds else "more than one of"
        raise ExtractionInputError([Problem(
            path, 1, "columns", f"{found} the column sets: mean1,sd1,n1,mean2,sd2,n2 | "
            "events1,total1,events2,total2 | estimate,se (or estimate,variance)",
            ",".join(table.columns))], path=path)
    kind = kinds[0]
    allowed = set(_SETS[kind]) | set(_OPTIONAL)
    problems = [Problem(path, 1, c, f"unknown column for {kind} data") for c in table.columns
                if c not in allowed]
    if kind == "generic" and ("se" in table.columns) == ("variance" in table.columns):
        problems.append(Problem(path, 1, "se", "give a 'se' or a 'variance' column (one)"))
    if problems:
        raise ExtractionInputError(problems, path=path)
    if outcome is not None and "outcome" in table.columns:
        rows = [r for r in table.rows if (r.get("outcome") or "") == outcome]
        if not rows:
            known = sorted({str(r.get("outcome")) for r in table.rows if r.get("outcome")})
            raise ExtractionInputError([Problem(
                path, 1, "outcome", f"no rows for outcome {outcome!r} (outcomes: "
                f"{', '.join(known) or 'none'})")], path=path)
    else:
        rows = list(table.rows)
    studies: list[Study] = []
    seen: dict[str, int] = {}
    for row in rows:
        start = len(problems)
        label = row.get("study")
        label = None if label is None else str(label).strip()
        if not label:
            problems.append(Problem(path, row.number, "study", "missing"))
        elif label in seen:
            problems.append(Problem(path, row.number, "study",
                                    f"the same study as row {seen[label]}", label))
        else:
            seen[label] = row.number
        subgroup = row.get("subgroup")
        subgroup = None if subgroup is None else str(subgroup)
        where = f"{path}:{row.number}"
        num = {c: _value(row, c, path, problems) for c in _SETS[kind]}
        study: Study
        if kind == "continuous":
            study = ContinuousStudy(label or "", num["mean1"], num["sd1"], num["n1"],
                                    num["mean2"], num["sd2"], num["n2"], subgroup, where)
        elif kind == "dichotomous":
            study = BinaryStudy(label or "", num["events1"], num["total1"], num["events2"],
                                num["total2"], subgroup, where)
        else:
            if "variance" in table.columns:
                var = _value(row, "variance", path, problems)
                if var == var and var <= 0:
                    problems.append(Problem(path, row.number, "variance", "must be positive",
                                            f"{var:g}"))
                se = math.sqrt(var) if var == var and var > 0 else math.nan
            else:
                se = _value(row, "se", path, problems)
            study = GenericStudy(label or "", num["estimate"], se, subgroup, where)
        if len(problems) == start:
            for column, message, value in study_problems(study):
                problems.append(Problem(path, row.number, column, message,
                                        None if value is None else f"{value:g}"))
        studies.append(study)
    if not rows:
        problems.append(Problem(path, 2, "file", "no data rows"))
    if problems:
        raise ExtractionInputError(problems, path=path)
    return studies


def _pick(name: str, wanted: str | None, available: list[str], path: str) -> str:
    if wanted is not None:
        if wanted not in available:
            shown = ", ".join(repr(a) for a in available)
            raise ExtractionInputError(
                [Problem(path, 1, name, f"{wanted!r} is not in the file (found: {shown})")],
                path=path)
        return wanted
    if len(available) > 1:
        shown = ", ".join(repr(a) for a in available)
        raise ExtractionInputError([Problem(
            path, 1, name, f"the file has several ({shown}); choose one with --{name}")],
            path=path)
    return available[0]


def load_studies(
    path: Path | str, *, outcome: str | None = None, timepoint: str | None = None
) -> LoadedStudies:
    """The studies of one outcome (and time point) from an extraction form or plain table."""
    table = read_table(path)
    if not _is_extraction(table):
        studies = read_plain_table(table, outcome=outcome)
        return LoadedStudies(table.path, tuple(studies), outcome, None)
    arms, problems = check_extraction(table)
    if problems:
        raise ExtractionInputError(problems, path=table.path)
    extraction = Extraction(table.path, tuple(arms))
    chosen = _pick("outcome", outcome, extraction.outcomes(), table.path)
    point = _pick("timepoint", timepoint, extraction.timepoints(chosen), table.path)
    notes = tuple(
        f"{table.path}:{a.row}: {a.note}" for a in extraction.arms
        if a.note and a.outcome == chosen and a.timepoint == point
    )
    return LoadedStudies(table.path, tuple(extraction.studies(chosen, point)), chosen,
                         point or None, notes)
