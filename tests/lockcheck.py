"""Do the installed packages match requirements.lock?

``make`` installs exactly the versions in requirements.lock; a test run on other versions
would fail in ways that point nowhere near the cause (a new lxml once failed three reader
tests). conftest.py runs :func:`lock_drift` before any test and stops the run with its one
line when something differs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "requirements.lock"

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path) -> dict[str, str]:
    """``name -> version`` of every ``name==version`` line; comments and blanks skipped."""
    pins = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = _PIN.match(line)
        if match is None:
            raise ValueError(f"{path}:{number}: not a 'name==version' pin (got {line!r})")
        pins[_canonical(match[1])] = match[2]
    return pins


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def lock_drift(
    path: Path = LOCK, installed: Callable[[str], str | None] = _installed
) -> str | None:
    """One line naming every locked package installed at another version or missing;
    None when the environment matches the lock."""
    if not path.is_file():
        return f"{path} is missing: run `make lock` to write it"
    differ = []
    for name, version in sorted(read_lock(path).items()):
        found = installed(name)
        if found != version:
            differ.append(f"{name} {found or 'not installed'} (locked {version})")
    if not differ:
        return None
    return (f"installed packages differ from {path.name}: {', '.join(differ)}; "
            "run `make` to install the locked versions, or `make lock` to refresh the lock")
