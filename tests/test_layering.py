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


def _web_imports() -> list[tuple[str, str | None, str]]:
    """(file, enclosing function, what) for every import of ``screening.web`` (and every
    import string naming it, as uvicorn takes) in screening outside screening/web."""
    found = []

    class Visitor(ast.NodeVisitor):
        def __init__(self, path: str) -> None:
            self.path = path
            self.function: list[str] = []

        def _in(self, node: ast.AST) -> None:
            self.function.append(node.name)  # type: ignore[attr-defined]
            self.generic_visit(node)
            self.function.pop()

        visit_FunctionDef = visit_AsyncFunctionDef = _in

        def _note(self, name: str) -> None:
            if name == "screening.web" or name.startswith("screening.web."):
                found.append((self.path, self.function[-1] if self.function else None, name))

        def visit_Import(self, node: ast.Import) -> None:
            for alias in node.names:
                self._note(alias.name)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.module and node.level == 0:
                self._note(node.module)
                if node.module == "screening":
                    for alias in node.names:
                        self._note(f"screening.{alias.name}")

        def visit_Constant(self, node: ast.Constant) -> None:
            if isinstance(node.value, str):
                self._note(node.value.split(":")[0])

    for path in sorted((ROOT / "screening").rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[:2] == ("screening", "web"):
            continue
        Visitor(str(relative)).visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def test_only_the_web_command_imports_the_web_app() -> None:
    found = _web_imports()
    assert found, "the web command imports the web app"  # the scan sees it
    assert {(f, function) for f, function, _ in found} == {("screening/cli/web.py",
                                                           "web_command")}


def test_the_cli_starts_without_the_web_app() -> None:
    import subprocess
    import sys

    code = (
        "import contextlib, io, sys\n"
        "from screening.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['--help']) == 0\n"
        "loaded = [m for m in ('fastapi', 'starlette', 'uvicorn', 'jinja2', 'screening.web')\n"
        "          if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
