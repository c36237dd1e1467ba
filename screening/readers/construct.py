"""``new_record`` and ``new_source``: the same objects as ``Record`` and ``SourceRef``
make from the same arguments, made faster in C.

Readers make a Record and a SourceRef per exported record; the optional extension
``_frozen`` (see _frozen.c for why) stores the fields straight into the slots. Without it,
``new_record`` and ``new_source`` are the classes themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, fields
from typing import TypeVar

from screening.model import Record, SourceRef

__all__ = ["SPEEDUPS", "frozen_constructor", "new_record", "new_source"]

T = TypeVar("T")


def frozen_constructor(cls: type[T]) -> Callable[..., T]:
    """The C constructor of a frozen dataclass with slots (ImportError when not built)."""
    from screening.readers._frozen import constructor

    names = tuple(f.name for f in fields(cls))
    # Ellipsis marks a field the caller must pass (no default, or a default factory).
    defaults = tuple(... if f.default is MISSING else f.default for f in fields(cls))
    return constructor(cls, names, defaults)


try:
    new_record: Callable[..., Record] = frozen_constructor(Record)
    new_source: Callable[..., SourceRef] = frozen_constructor(SourceRef)
except ImportError:  # built without a C compiler
    new_record = Record
    new_source = SourceRef
    SPEEDUPS = False
else:
    SPEEDUPS = True
