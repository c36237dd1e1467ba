"""Exceptions raised by litsieve.

Every error a user can cause is a :class:`ReviewError`; the CLI prints it to stderr and exits 1.

::

    ReviewError
    ├── InputFormatError      a file could not be read as records (lists its Problems)
    │   └── EncodingError     the bytes are not in the configured encoding
    ├── UnknownFormatError    no reader recognises the file, or two do equally well
    ├── SchemaError           a frame or table lacks what a stage needs
    ├── ConfigError           a config file is wrong (names the file and the key path)
    ├── RegistryError         an unknown plug-in name (lists the available ones)
    ├── StoreError            the review store refused an operation
    └── PoolingError          a meta-analysis cannot be computed

Exceptions are plain data: no I/O in ``__init__``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "EncodingError",
    "FIELD",
    "InputFormatError",
    "PoolingError",
    "Problem",
    "RECORD",
    "RegistryError",
    "ReviewError",
    "SchemaError",
    "StoreError",
    "UnknownFormatError",
]

#: How many problems an InputFormatError prints before it gives only the total.
MAX_LISTED_PROBLEMS = 20


#: The two levels of a Problem (DESIGN.md, "Bad input"). A record problem makes a record
#: unusable: it cannot be delimited, it is cut off, it has neither title nor identifier, its
#: bytes are not text; the record is refused (or quarantined). A field problem leaves a
#: usable record: it is imported with the field's normalised value empty (the raw value
#: kept), and the problem is a warning.
RECORD = "record"
FIELD = "field"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, at a 1-based line of a file."""

    path: str
    line: int
    field: str
    message: str
    value: str | None = None
    level: str = RECORD

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}: {self.field}: {self.message}"
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            text += f" (got {shown!r})"
        return text


class ReviewError(Exception):
    """Root of every error a user of litsieve can cause."""


class InputFormatError(ReviewError):
    """A file holds records that cannot be read; carries every problem found."""

    def __init__(self, problems: Sequence[Problem], *, path: str | None = None,
                 hint: str | None = None) -> None:
        self.problems = tuple(problems)
        self.path = path
        self.hint = hint
        super().__init__(self._describe())

    def _describe(self) -> str:
        total = len(self.problems)
        where = f" in {self.path}" if self.path else ""
        head = f"{total} problem{'s' if total != 1 else ''}{where}"
        lines = [str(p) for p in self.problems[:MAX_LISTED_PROBLEMS]]
        if total > MAX_LISTED_PROBLEMS:
            lines.append(f"... and {total - MAX_LISTED_PROBLEMS} more ({total} in total)")
        hint = self.hint or (
            "nothing was imported; fix the file, or use --quarantine to import the good records"
        )
        return f"{head}:\n" + "\n".join(lines) + f"\n{hint}"


class EncodingError(InputFormatError):
    """The file's bytes are not valid in the configured encoding."""


class UnknownFormatError(ReviewError):
    """The format of a file cannot be told from its content."""


class SchemaError(ReviewError):
    """A frame or table does not have the columns or types a stage needs."""


class ConfigError(ReviewError):
    """A configuration file is invalid."""


class RegistryError(ReviewError):
    """An unknown name was asked of a plug-in registry."""


class StoreError(ReviewError):
    """The review store refused an operation."""


class PoolingError(ReviewError):
    """A meta-analysis cannot be computed from the data given."""
