"""Shared fixtures: paths to the project's own test data and to ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = Path(__file__).resolve().parent / "data"
SHARED_DATA = ROOT.parent / "shared" / "data"
SHARED_EXPORTS = SHARED_DATA / "exports"


@pytest.fixture(scope="session", autouse=True)
def embedding_cache(tmp_path_factory: pytest.TempPathFactory):
    """Sentence embeddings are cached in a directory of the test session's own, not in the
    user's ~/.cache: shared by the session's tests (each text is encoded once), gone after."""
    directory = tmp_path_factory.mktemp("embedding-cache")
    saved = os.environ.get("LITSIEVE_CACHE_DIR")
    os.environ["LITSIEVE_CACHE_DIR"] = str(directory)
    yield directory
    if saved is None:
        os.environ.pop("LITSIEVE_CACHE_DIR", None)
    else:
        os.environ["LITSIEVE_CACHE_DIR"] = saved


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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--no-lock-check", action="store_true",
                     help="run even when the installed packages differ from requirements.lock "
                          "(e.g. the XML readers on the oldest lxml pyproject.toml accepts)")


def pytest_sessionstart(session: pytest.Session) -> None:
    if session.config.getoption("--no-lock-check"):
        return
    from tests.lockcheck import lock_drift

    drift = lock_drift()
    if drift:
        pytest.exit(drift, returncode=3)
