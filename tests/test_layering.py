"""Import direction: flows -> screening, extraction; extraction -> screening.model only;
screening never imports flows, extraction or prefect (checked with ast)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(package: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((str(path.relative_to(ROOT)), node.module))
    return found


@pytest.mark.parametrize("forbidden", ["flows", "extraction", "prefect"])
def test_screening_never_imports(forbidden: str) -> None:
    bad = [(f, m) for f, m in _imports("screening") if m.split(".")[0] == forbidden]
    assert bad == []


def test_extraction_imports_only_the_screening_model() -> None:
    bad = [
        (f, m) for f, m in _imports("extraction")
        if m.split(".")[0] in {"flows", "prefect"}
        or (m.split(".")[0] == "screening" and m != "screening.model")
    ]
    assert bad == []


def test_the_checker_sees_imports() -> None:
    # Guards against a scan that finds nothing (which would make the tests above vacuous).
    modules = {m for _, m in _imports("screening")}
    assert "screening.readers.base" in modules
