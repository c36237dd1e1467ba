"""The ``litsieve`` command line.

Interactive commands call the library directly; they never import Prefect (its start-up
costs seconds). Errors go to stderr: exit 1 for bad input, 2 for usage; a traceback only
with ``--debug``.

Commands live in one module per group (``records``: init, import, status, export,
formats). Packages that ``screening`` must not import (``extraction``) add their commands
through the ``litsieve.commands`` entry-point group: each entry point is a function that
takes the typer app.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from screening.cli import (  # noqa: F401  (register their commands)
    dedup,
    prisma,
    rank,
    records,
    reviewers,
    sources,
    update,
    votes,
    web,
)
from screening.cli.app import app, err
from screening.errors import ReviewError

__all__ = ["app", "main", "run"]

PLUGIN_GROUP = "litsieve.commands"


_loaded: set[str] = set()


def _load_plugins() -> None:
    for entry in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        if entry.name not in _loaded:
            entry.load()(app)
            _loaded.add(entry.name)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (1 for bad input, 2 for usage errors)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    _load_plugins()
    try:
        # Standalone mode: typer prints usage errors itself and exits 2.
        app(args=args, prog_name="litsieve")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except ReviewError as exc:
        if debug:
            err.print_exception()
        sys.stderr.write(f"error: {exc}\n")
        return 1
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
