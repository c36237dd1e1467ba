"""Prefect settings for flow tests: offline, steady, and a temporary PREFECT_HOME.

The environment is set here, before any test module of this directory imports Prefect
(they import ``flows.*`` inside the tests, after this conftest has run). One Prefect test
harness serves the whole session: starting one costs 13-18 s, a first flow run 20-30 s.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

_HOME = tempfile.mkdtemp(prefix="litsieve-prefect-home-")
for _name, _value in {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_HOME": _HOME,
}.items():
    os.environ[_name] = _value


@pytest.fixture(scope="session", autouse=True)
def _remove_prefect_home() -> Iterator[None]:
    yield
    shutil.rmtree(_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
