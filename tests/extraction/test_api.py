"""Every module of extraction has a sorted ``__all__`` of real names."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import extraction

MODULES = sorted(
    name for _, name, _ in pkgutil.walk_packages(extraction.__path__, "extraction.")
)


def _isort_key(name: str) -> tuple[int, str]:
    """isort-style (ruff RUF022): CONSTANTS, then Classes, then functions, each sorted."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_complete(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert list(exported) == sorted(exported, key=_isort_key), f"{name}.__all__ is not sorted"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names missing objects: {missing}"


def test_the_package_itself_imports_nothing() -> None:
    import types

    own = [n for n, v in vars(extraction).items()
           if not n.startswith("__") and not isinstance(v, types.ModuleType)]
    assert own == []
