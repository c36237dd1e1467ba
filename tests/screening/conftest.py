"""Fixtures for library tests that need a review store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from screening.store import ReviewStore, sqlite_url


@pytest.fixture
def store(tmp_path) -> Iterator[ReviewStore]:
    with ReviewStore.connect(sqlite_url(tmp_path)) as opened:
        yield opened
