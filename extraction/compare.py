"""Comparing two extractors' forms of the same studies: every disagreement, cell by cell.

Rows are matched on (study, outcome, timepoint, arm). A row only one extractor has is a
disagreement; so is every cell whose values differ (numbers compared as numbers, so
"2.50" and 2.5 agree; text compared after trimming spaces). The forms need not be valid:
comparing comes before checking, so typos are found either way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extraction.errors import ExtractionInputError, Problem
from extraction.tables import Table, read_table

__all__ = ["KEY", "Disagreement", "compare_extractions", "compare_tables"]

KEY = ("study", "outcome", "timepoint", "arm")


@dataclass(frozen=True, slots=True)
class Disagreement:
    key: tuple[str, str, str, str]
    column: str
    value_a: str | None
    value_b: str | None
    where_a: str | None
    where_b: str | None

    def __str__(self) -> str:
        study, outcome, timepoint, arm = self.key
        what = f"{study} / {outcome}" + (f" / {timepoint}" if timepoint else "") + f" / {arm}"
        if self.column == "(row)":
            side = f"only in A ({self.where_a})" if self.where_a else f"only in B ({self.where_b})"
            return f"{what}: {side}"
        return (f"{what}: {self.column}: A={self.value_a!r} ({self.where_a}) "
                f"B={self.value_b!r} ({self.where_b})")


def _norm(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    if not text:
        return None
    try:
        number = float(text.replace(",", "."))
        return number if math.isfinite(number) else text
    except ValueError:
        return text


def _show(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _index(table: Table) -> dict[tuple[str, str, str, str], Any]:
    missing = [c for c in ("study", "outcome", "arm") if c not in table.columns]
    if missing:
        raise ExtractionInputError(
            [Problem(table.path, 1, c, "required column is missing") for c in missing],
            path=table.path)
    rows: dict[tuple[str, str, str, str], Any] = {}
    problems = []
    for row in table.rows:
        key = tuple(_show(row.get(c)) or "" for c in KEY)
        if key in rows:
            problems.append(Problem(table.path, row.number, "arm",
                                    f"the same study, outcome, time point and arm as row "
                                    f"{rows[key].number}"))
        rows[key] = row  # type: ignore[index]
    if problems:
        raise ExtractionInputError(problems, path=table.path)
    return rows  # type: ignore[return-value]


def compare_tables(a: Table, b: Table) -> list[Disagreement]:
    rows_a, rows_b = _index(a), _index(b)
    columns = [c for c in dict.fromkeys((*a.columns, *b.columns)) if c not in KEY]
    found: list[Disagreement] = []
    for key in dict.fromkeys((*rows_a, *rows_b)):
        ra, rb = rows_a.get(key), rows_b.get(key)
        where_a = f"{a.path}:{ra.number}" if ra else None
        where_b = f"{b.path}:{rb.number}" if rb else None
        if ra is None or rb is None:
            found.append(Disagreement(key, "(row)", None, None, where_a, where_b))
            continue
        for column in columns:
            va, vb = _norm(ra.values.get(column)), _norm(rb.values.get(column))
            if va != vb:
                found.append(Disagreement(key, column, _show(va), _show(vb), where_a, where_b))
    return found


def compare_extractions(path_a: Path | str, path_b: Path | str) -> list[Disagreement]:
    """Every disagreement between two extraction forms (.csv or .xlsx, in any mix)."""
    return compare_tables(read_table(path_a), read_table(path_b))
