"""Writing fetched MEDLINE batches to one .nbib file that litsieve's MEDLINE reader reads."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from screening.eutils.parse import MedlineBatch

__all__ = ["write_nbib"]


def write_nbib(batches: Iterable[MedlineBatch], path: Path | str) -> int:
    """Write every batch to ``path`` (UTF-8, records separated by a blank line).

    The file appears only when every batch arrived: it is written to ``<path>.part`` and
    renamed at the end, and the part file is removed if fetching fails, so a failed update
    imports nothing. Returns the number of records written.
    """
    path = Path(path)
    part = path.with_name(path.name + ".part")
    written = 0
    try:
        with part.open("w", encoding="utf-8", newline="\n") as out:
            for batch in batches:
                if written:
                    out.write("\n")
                out.write(batch.text)
                written += len(batch)
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return written
