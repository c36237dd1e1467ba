"""The extraction form to fill in: one row per included study, outcome and arm.

``litsieve extract template DIR`` takes the included studies from
``DIR/exports/included.csv`` (columns ``record_id, title, authors, year``; authors
separated by ``;``), because extraction may not read the review store itself. When that
file is absent, the form has example rows (two made-up studies, marked as such in
``notes``) so the layout is clear. The outcomes are those given, else the
``[pooling.outcomes]`` tables of ``DIR/litsieve.toml``, else one called ``outcome``.
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extraction.errors import ExtractionInputError, Problem
from extraction.schema import COLUMN_HELP, COLUMNS
from extraction.tables import write_table

__all__ = [
    "INCLUDED_CSV",
    "IncludedStudy",
    "TemplateResult",
    "config_outcomes",
    "read_included",
    "study_labels",
    "write_template",
]

INCLUDED_CSV = Path("exports") / "included.csv"
EXAMPLE_NOTE = "EXAMPLE ROW: replace with real studies (no exports/included.csv was found)"


@dataclass(frozen=True, slots=True)
class IncludedStudy:
    record_id: str
    title: str
    authors: str
    year: str


@dataclass(frozen=True)
class TemplateResult:
    path: Path
    rows: int
    studies: int
    outcomes: tuple[str, ...]
    examples: bool


def read_included(path: Path) -> list[IncludedStudy]:
    """The included studies listed in a review's ``exports/included.csv``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExtractionInputError([Problem(str(path), 1, "file", "not UTF-8 text")]) from exc
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in ("record_id", "title", "authors", "year")
               if c not in (reader.fieldnames or [])]
    if missing:
        raise ExtractionInputError(
            [Problem(str(path), 1, c, "required column is missing") for c in missing],
            path=str(path))
    studies = []
    problems = []
    for row in reader:
        record = (row.get("record_id") or "").strip()
        if not record:
            problems.append(Problem(str(path), reader.line_num, "record_id", "missing"))
            continue
        studies.append(IncludedStudy(record, (row.get("title") or "").strip(),
                                     (row.get("authors") or "").strip(),
                                     (row.get("year") or "").strip()))
    if problems:
        raise ExtractionInputError(problems, path=str(path))
    return studies


def _surname(authors: str) -> str:
    first = re.split(r"[;|]", authors)[0].strip()
    if "," in first:
        return first.split(",")[0].strip()
    parts = first.split()
    # "Smith J" / "Smith JA" (MEDLINE style) or "John Smith"
    if len(parts) > 1 and len(parts[-1]) <= 3 and parts[-1].isupper():
        return " ".join(parts[:-1])
    return parts[-1] if parts else ""


def study_labels(studies: Sequence[IncludedStudy]) -> list[str]:
    """'Surname Year' labels, made unique with a, b, c... ('Smith 2019a', 'Smith 2019b')."""
    base = [" ".join(x for x in (_surname(s.authors), s.year) if x) or s.record_id
            for s in studies]
    counts = {b: base.count(b) for b in base}
    seen: dict[str, int] = {}
    labels = []
    for label in base:
        if counts[label] > 1:
            seen[label] = seen.get(label, 0) + 1
            label = f"{label}{chr(ord('a') + seen[label] - 1)}"
        labels.append(label)
    return labels


def config_outcomes(config: Path) -> list[str]:
    """Outcome names from the ``[pooling.outcomes.<name>]`` tables of a review config."""
    if not config.is_file():
        return []
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return []
    outcomes = data.get("pooling", {}).get("outcomes", {})
    if not isinstance(outcomes, dict):
        return []
    return [str(spec.get("outcome", name)) if isinstance(spec, dict) else str(name)
            for name, spec in outcomes.items()]


def _example_rows(outcomes: Sequence[str]) -> list[dict[str, Any]]:
    rows = []
    for outcome in outcomes:
        rows += [
            dict(study="Example 2020", outcome=outcome, arm="drug", group="intervention",
                 n=30, mean=3.1, sd=1.2, notes=EXAMPLE_NOTE),
            dict(study="Example 2020", outcome=outcome, arm="placebo", group="control",
                 n=29, mean=4.0, sd=1.4, notes=EXAMPLE_NOTE),
            dict(study="Sample 2021", outcome=outcome, arm="drug", group="intervention",
                 n=25, median=3, q1=2, q3=5, notes=EXAMPLE_NOTE + "; median and IQR are "
                 "converted to mean and SD"),
            dict(study="Sample 2021", outcome=outcome, arm="placebo", group="control",
                 n=24, median=4, q1=3, q3=6, notes=EXAMPLE_NOTE),
        ]
    return rows


def write_template(
    output: Path, *, included: Sequence[IncludedStudy] | None, outcomes: Sequence[str],
    arms: Sequence[tuple[str, str]] = (("intervention", "intervention"),
                                       ("control", "control")),
) -> TemplateResult:
    """Write the form (``.xlsx`` or ``.csv``) for ``included`` studies × ``outcomes`` × ``arms``
    (arm name, group); with ``included=None``, example rows instead."""
    outcomes = list(outcomes) or ["outcome"]
    if included is None:
        rows = _example_rows(outcomes)
        studies = 2
    else:
        rows = []
        for study, label in zip(included, study_labels(included), strict=True):
            for outcome in outcomes:
                for arm, group in arms:
                    rows.append(dict(record_id=study.record_id, study=label, outcome=outcome,
                                     arm=arm, group=group, notes=study.title[:200] or None))
        studies = len(included)
    path = write_table(output, COLUMNS, rows, notes=list(COLUMN_HELP.items()))
    return TemplateResult(path, len(rows), studies, tuple(outcomes), included is None)
