"""Exceptions raised by the extraction and pooling packages.

``extraction`` may import only ``screening.model`` from screening, so it has its own root
error. The ``litsieve`` commands of this package (:mod:`extraction.cli`) print any of them
as ``error: <message>`` to stderr and exit 1.

::

    ExtractionError           root: every error a user of extraction/pooling can cause
    ├── ExtractionInputError  an extraction file or study table is wrong (lists its Problems)
    ├── PoolingError          a meta-analysis cannot be computed as asked
    └── RegistryError         an unknown method, estimator or profile name (lists the known ones)

Exceptions are plain data: no I/O in ``__init__``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "MAX_LISTED_PROBLEMS",
    "ExtractionError",
    "ExtractionInputError",
    "PoolingError",
    "Problem",
    "RegistryError",
]

#: How many problems an ExtractionInputError lists before it gives only the total.
MAX_LISTED_PROBLEMS = 20


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, at a 1-based row of a file (the header is row 1)."""

    path: str
    row: int
    column: str
    message: str
    value: str | None = None

    def __str__(self) -> str:
        text = f"{self.path}:{self.row}: {self.column}: {self.message}"
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            text += f" (got {shown!r})"
        return text


class ExtractionError(Exception):
    """Root of every error a user of the extraction and pooling code can cause."""


class ExtractionInputError(ExtractionError):
    """An input file (extraction form or study table) is wrong; carries every problem found."""

    def __init__(self, problems: Sequence[Problem], *, path: str | None = None) -> None:
        self.problems = tuple(problems)
        self.path = path
        super().__init__(self._describe())

    def _describe(self) -> str:
        total = len(self.problems)
        if total == 1:
            return str(self.problems[0])
        where = f" in {self.path}" if self.path else ""
        lines = [str(p) for p in self.problems[:MAX_LISTED_PROBLEMS]]
        if total > MAX_LISTED_PROBLEMS:
            lines.append(f"... and {total - MAX_LISTED_PROBLEMS} more ({total} in total)")
        return f"{total} problems{where}:\n" + "\n".join(lines)


class PoolingError(ExtractionError):
    """A meta-analysis cannot be computed as asked (no studies, bad values, wrong method)."""


class RegistryError(ExtractionError):
    """An unknown plug-in name; the message lists the available ones."""
