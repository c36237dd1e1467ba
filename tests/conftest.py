"""Shared fixtures: paths to the project's own test data and to ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = Path(__file__).resolve().parent / "data"
SHARED_DATA = ROOT.parent / "shared" / "data"
SHARED_EXPORTS = SHARED_DATA / "exports"


@pytest.fixture
def data_dir() -> Path:
    """The project's own fixtures (tests/data)."""
    return TEST_DATA


@pytest.fixture
def shared_exports() -> Path:
    """../shared/data/exports, or skip the test when it is not beside the repository."""
    if not SHARED_EXPORTS.is_dir():
        pytest.skip(f"real exports not available: {SHARED_EXPORTS} is absent")
    return SHARED_EXPORTS
