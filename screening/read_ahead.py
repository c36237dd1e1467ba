"""Read a large export in a second process while this one writes to the store.

Reading and normalising records and writing them to the database each take about half
of an import; on two cores they can overlap. The child process runs the reader, checks
ids and turns each record into its store row (the JSON encoding included); the parent
only writes the rows. Items arrive in file order, in batches, through a bounded queue.
The child is started with ``spawn`` (not ``fork``): the parent may hold database
connections and a progress-bar thread that a forked child must not inherit.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import traceback
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from screening.errors import FIELD, Problem, ReviewError
from screening.model import Record
from screening.readers import Reject, get_reader

__all__ = ["DuplicateIds", "Item", "iter_items", "read_ahead"]

#: ("record", ordinal, Record) in this process, ("row", ordinal, row) from the child, or
#: ("reject", ordinal, Reject); the database of a row travels as its 6th column.
Item = tuple[str, int, Any]

_BATCH = 1000
_QUEUE_BATCHES = 8
_POLL_SECONDS = 1.0


class DuplicateIds:
    """Finds the same native id or PMID twice in one file.

    A field problem: both records are imported (deduplication links them), the second
    with a warning."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], int] = {}

    def check(self, record: Record) -> Problem | None:
        """A Problem when ``record`` repeats an id seen earlier in the file."""
        for kind, value in (("native_id", record.native_id), ("pmid", record.pmid)):
            if not value:
                continue
            first = self._seen.get((kind, value))
            if first is not None:
                label = "PMID" if kind == "pmid" else "id"
                return Problem(
                    record.source.path, record.source.line_start, kind,
                    f"{label} {value} appears twice in this file (first at line {first})",
                    value, FIELD,
                )
            self._seen[(kind, value)] = record.source.line_start
        return None


def iter_items(
    path: Path, reader_name: str, *, encoding: str, database: str | None
) -> Iterator[tuple[str, int, Record | Reject]]:
    """Records and rejects of a file in order, with ordinals and the duplicate-id check."""
    reader = get_reader(reader_name)
    duplicates = DuplicateIds()
    ordinal = 0
    for item in reader.iter_read(path, encoding=encoding, database=database):
        ordinal += 1
        if isinstance(item, Reject):
            yield "reject", ordinal, item
            continue
        problem = duplicates.check(item)
        if problem is not None:
            item = replace(item, warnings=(*item.warnings, problem))
        if item.source.ordinal != ordinal:
            item = replace(item, source=replace(item.source, ordinal=ordinal))
        yield "record", ordinal, item


def _produce(
    out: Any, path: str, reader_name: str, encoding: str, database: str | None,
    source_id: str, imported_at: Any,
) -> None:
    from screening.store.records import record_to_row

    batch: list[Item] = []
    try:
        for kind, ordinal, item in iter_items(
            Path(path), reader_name, encoding=encoding, database=database
        ):
            if kind == "record":
                batch.append(("row", ordinal,
                              record_to_row(item, source_id=source_id, imported_at=imported_at)))
            else:
                batch.append((kind, ordinal, item))
            if len(batch) >= _BATCH:
                out.put(batch)
                batch = []
        out.put(batch)
        out.put(None)
    except ReviewError as exc:
        out.put(("error", str(exc)))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        out.put(("error", traceback.format_exc()))


def read_ahead(
    path: Path, reader_name: str, *, encoding: str, database: str | None, source_id: str,
    imported_at: Any,
) -> Iterator[Item]:
    """Items of ``path`` made in a child process: ("row", …) and ("reject", …), in order."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue(maxsize=_QUEUE_BATCHES)
    child = context.Process(
        target=_produce,
        args=(out, str(path), reader_name, encoding, database, source_id, imported_at),
        daemon=True,
    )
    child.start()
    try:
        while True:
            try:
                batch = out.get(timeout=_POLL_SECONDS)
            except queue_module.Empty:
                if not child.is_alive():
                    raise ReviewError(
                        f"{path}: the reading process stopped (exit code {child.exitcode})"
                    ) from None
                continue
            if batch is None:
                break
            if isinstance(batch, tuple):
                raise ReviewError(f"{path}: reading failed: {batch[1]}")
            yield from batch
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        out.close()
