"""Property: any Record made of arbitrary text comes back from the store unchanged."""

from __future__ import annotations

import dataclasses
import uuid
from types import MappingProxyType

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.model import Record, SourceRef
from screening.store import ReviewStore
from tests.screening.store.factories import make_spec

# Everything a file can hold except NUL and undecodable bytes, which the store refuses
# (tested in test_store.py) because PostgreSQL text cannot hold NUL.
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
OPTIONAL = st.none() | TEXT
TUPLE = st.lists(TEXT, max_size=4).map(tuple)
LINE = st.integers(min_value=1, max_value=2**31 - 1)


@st.composite
def records(draw: st.DrawFn, path: str, ordinal: int) -> Record:
    line_start = draw(LINE)
    source = SourceRef(
        path, line_start, draw(st.integers(line_start, 2**31 - 1)), draw(OPTIONAL),
        draw(TEXT), ordinal,
    )
    text_fields = {
        name: draw(OPTIONAL)
        for name in (
            "native_id", "title", "title_original", "abstract", "journal", "journal_abbrev",
            "volume", "issue", "pages", "start_page", "end_page", "doi", "pmid", "pmcid",
            "embase_id",
        )
    }
    tuple_fields = {
        name: draw(TUPLE)
        for name in (
            "authors", "group_authors", "issn", "language", "publication_types", "keywords",
            "mesh", "emtree",
        )
    }
    return Record(
        source=source,
        year=draw(st.none() | st.integers(-(2**31), 2**31 - 1)),
        other_ids=MappingProxyType(draw(st.dictionaries(TEXT, TEXT, max_size=3))),
        flags=frozenset(draw(st.sets(TEXT, max_size=3))),
        raw=MappingProxyType(
            draw(st.dictionaries(TEXT, st.lists(TEXT, max_size=3), max_size=5))
        ),
        **text_fields,
        **tuple_fields,
    )


@st.composite
def files(draw: st.DrawFn) -> tuple[str, list[Record]]:
    path = draw(TEXT.filter(bool))
    count = draw(st.integers(1, 3))
    return path, [draw(records(path, ordinal)) for ordinal in range(1, count + 1)]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(file=files())
def test_any_record_round_trips(store: ReviewStore, file: tuple[str, list[Record]]) -> None:
    path, originals = file
    # each example is a new file in the same store: a fresh digest keeps them apart
    spec = make_spec("generated", content=uuid.uuid4().hex, path=path)
    with store.import_source(spec, None) as writer:
        ids = [writer.add(record) for record in originals]
    loaded = list(store.iter_records(source_id=spec.source_id))
    assert loaded == [
        dataclasses.replace(record, record_id=record_id)
        for record, record_id in zip(originals, ids, strict=True)
    ]
    assert ids == [f"{spec.source_id}:{n}" for n in range(1, len(originals) + 1)]
