"""new_record and new_source make the same objects as Record and SourceRef (C is built here)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.model import Record, SourceRef
from screening.readers import construct

TEXT = st.text(max_size=8) | st.none()
TUPLE = st.lists(st.text(max_size=6), max_size=3).map(tuple)
SOURCES = st.builds(SourceRef, st.text(max_size=8), st.integers(1, 99), st.integers(1, 99),
                    TEXT, st.text(max_size=5), st.integers(0, 9))


@st.composite
def record_fields(draw) -> dict:
    values = {
        "source": draw(SOURCES),
        "other_ids": MappingProxyType(draw(st.dictionaries(st.text(max_size=4), st.text()))),
        "raw": MappingProxyType(draw(st.dictionaries(st.text(max_size=4), st.lists(st.text())))),
    }
    for field in fields(Record):
        if field.name in values or not draw(st.booleans()):
            continue  # sometimes left to its default
        if field.type.startswith("tuple"):
            values[field.name] = draw(TUPLE)
        elif field.name == "year":
            values[field.name] = draw(st.integers(1500, 2199) | st.none())
        elif field.name == "flags":
            values[field.name] = frozenset(draw(TUPLE))
        else:
            values[field.name] = draw(TEXT)
    return values


@given(record_fields())
@settings(max_examples=300)
def test_new_record_is_record(values: dict) -> None:
    made = construct.new_record(**values)
    expected = Record(**values)
    assert type(made) is Record
    assert made == expected
    assert [getattr(made, f.name) for f in fields(Record)] == [
        getattr(expected, f.name) for f in fields(Record)
    ]


@given(SOURCES)
def test_new_source_is_source_ref(source: SourceRef) -> None:
    positional = [getattr(source, f.name) for f in fields(SourceRef)]
    assert construct.new_source(*positional) == source
    assert construct.new_source(*positional[:5]) == SourceRef(*positional[:5])
    assert hash(construct.new_source(*positional)) == hash(source)


def test_wrong_arguments_are_type_errors() -> None:
    # The messages name the argument, in C's words or in the dataclass __init__'s.
    source = SourceRef("f", 1, 1, None, "ris")
    with pytest.raises(TypeError, match=r"missing .*required .*argument:? 'source'"):
        construct.new_record(title="no source")
    with pytest.raises(TypeError, match=r"unexpected .*argument 'unknown'"):
        construct.new_record(source=source, unknown=1)
    with pytest.raises(TypeError, match=r"(repeated|multiple values for) argument 'path'"):
        construct.new_source("f", 1, 1, None, "ris", path="again")
    with pytest.raises(TypeError, match=r"takes (at most|from) \d+"):
        construct.new_source("f", 1, 1, None, "ris", 0, "one too many")


def test_only_frozen_slotted_dataclasses() -> None:
    if not construct.SPEEDUPS:
        pytest.skip("C accelerator not built")

    @dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclass(frozen=True, slots=True)
    class PostInit:
        a: int

        def __post_init__(self) -> None:
            pass

    for cls, message in ((NoSlots, "field 'a' is not a slot of the class"),
                         (PostInit, "the class has a __post_init__")):
        with pytest.raises(ValueError, match=message):
            construct.frozen_constructor(cls)


def test_speedups_are_built() -> None:
    # make test installs with a C compiler present; a missing build would silently be slower.
    assert construct.SPEEDUPS, "screening/readers/_frozen.c was not compiled"
