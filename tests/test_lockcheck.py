"""The guard that stops a test run on packages other than the locked ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lockcheck import LOCK, lock_drift, read_lock


def write_lock(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "requirements.lock"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_lock_pins_every_dependency_exactly() -> None:
    pins = read_lock(LOCK)
    for name in ("lxml", "pandas", "prefect", "scikit-learn", "torch", "pytest", "setuptools"):
        assert name in pins, name
    assert pins["torch"].endswith("+cpu")  # the CPU build, not PyPI's CUDA one


def test_drift_is_one_line_naming_each_package(tmp_path: Path) -> None:
    lock = write_lock(tmp_path, "# comment\nlxml==6.1.0\nPyYAML==6.0\nrich==13.0.0  # ok\n")
    installed = {"lxml": "6.2.1", "pyyaml": "6.0", "rich": "13.0.0"}
    assert lock_drift(lock, installed.get) == (
        "installed packages differ from requirements.lock: lxml 6.2.1 (locked 6.1.0); "
        "run `make` to install the locked versions, or `make lock` to refresh the lock"
    )


def test_a_locked_package_that_is_missing_is_drift(tmp_path: Path) -> None:
    lock = write_lock(tmp_path, "lxml==6.1.0\nzzz-gone==1.0\n")
    drift = lock_drift(lock, {"lxml": "6.1.0"}.get)
    assert drift is not None and "zzz-gone not installed (locked 1.0)" in drift


def test_names_compare_as_pip_normalises_them(tmp_path: Path) -> None:
    lock = write_lock(tmp_path, "Typing_Extensions==4.0\n")
    assert lock_drift(lock, {"typing-extensions": "4.0"}.get) is None


def test_a_line_that_is_not_a_pin_names_file_and_line(tmp_path: Path) -> None:
    lock = write_lock(tmp_path, "lxml==6.1.0\nlxml>=6\n")
    with pytest.raises(ValueError, match=r"requirements.lock:2: not a 'name==version' pin "
                                         r"\(got 'lxml>=6'\)"):
        read_lock(lock)


def test_no_lock_says_how_to_make_one(tmp_path: Path) -> None:
    assert lock_drift(tmp_path / "requirements.lock") == (
        f"{tmp_path / 'requirements.lock'} is missing: run `make lock` to write it"
    )
