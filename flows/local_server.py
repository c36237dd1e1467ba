"""A Prefect server of the review's own, for ``litsieve serve`` when no server is configured.

Prefect cannot schedule flows on its ephemeral API (the temporary server a flow starts
when ``PREFECT_API_URL`` is unset): the scheduler runs only in a real server. So without
``PREFECT_API_URL`` (in the environment or the active Prefect profile), ``litsieve serve``
starts ``prefect server start --host 127.0.0.1 --port <free port>`` as a child process
with its own ``PREFECT_HOME`` in the review directory (``DIR/.prefect``: its SQLite
database and ``server.log``), waits until ``/api/health`` answers, serves the review's
deployments against it and stops it when serving stops. The running server's address is
kept in ``DIR/.prefect/server.json`` while it runs, so ``litsieve run DIR`` can use it
instead of starting a temporary one.

This module does not import Prefect: it decides which API to use before Prefect is
imported (Prefect reads its settings from the environment on import).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Mapping, MutableMapping
from pathlib import Path

import requests

__all__ = [
    "PREFECT_DIR",
    "LocalPrefectServer",
    "ServerStartError",
    "check_api",
    "configured_api_url",
    "offline_defaults",
    "running_server_url",
]

#: The review directory's Prefect home (the local server's database and log).
PREFECT_DIR = ".prefect"
_STATE_FILE = "server.json"
_LOG_FILE = "server.log"

#: Settings that keep Prefect offline and patient (DESIGN.md, "Real components"): set
#: unless the environment already has them.
OFFLINE_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


class ServerStartError(RuntimeError):
    """The local Prefect server did not come up (the message has its log's last lines)."""


def offline_defaults(environ: MutableMapping[str, str]) -> None:
    """Set DESIGN.md's offline settings in ``environ`` where they are not set already."""
    for name, value in OFFLINE_DEFAULTS.items():
        environ.setdefault(name, value)


def configured_api_url(environ: Mapping[str, str]) -> str | None:
    """The Prefect API the user configured: ``PREFECT_API_URL``, else that of the active
    profile in ``$PREFECT_HOME/profiles.toml`` (``PREFECT_PROFILE`` or the file's
    ``active``); None when neither names one."""
    if environ.get("PREFECT_API_URL"):
        return environ["PREFECT_API_URL"]
    home = Path(environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    path = Path(environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    name = environ.get("PREFECT_PROFILE") or data.get("active")
    profile = data.get("profiles", {}).get(name or "", {})
    url = profile.get("PREFECT_API_URL") if isinstance(profile, dict) else None
    return str(url) if url else None


def check_api(api_url: str) -> None:
    """ReviewError when the configured Prefect API does not answer (before any work)."""
    if not _healthy(api_url, timeout=5.0):
        from screening.errors import ReviewError

        raise ReviewError(
            f"the Prefect API at {api_url} (PREFECT_API_URL or the Prefect profile) does not "
            "answer; start that server, or unset PREFECT_API_URL to use a local one")


def _healthy(api_url: str, timeout: float = 2.0) -> bool:
    try:
        return requests.get(f"{api_url}/health", timeout=timeout).status_code == 200
    except requests.RequestException:
        return False


def running_server_url(review_path: Path) -> str | None:
    """The API URL of the review's local server when ``litsieve serve`` runs one and it
    answers; None otherwise."""
    state = Path(review_path) / PREFECT_DIR / _STATE_FILE
    try:
        api_url = json.loads(state.read_text(encoding="utf-8"))["api_url"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return api_url if _healthy(api_url, timeout=1.0) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _is_prefect_server(pid: int) -> bool:
    """Whether ``pid`` runs ``prefect server start`` (a stale state file may name a pid
    that another program has now)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"prefect" in command and b"server" in command and b"start" in command


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class LocalPrefectServer:
    """A Prefect API server as a supervised child process.

    By default ``prefect server start`` (API, UI and services such as the scheduler) with
    ``home`` as its PREFECT_HOME; with ``ephemeral=True`` the API alone, as Prefect's own
    temporary server runs it (uvicorn, no UI, ephemeral settings; PREFECT_HOME as in the
    environment when ``home`` is None): what ``litsieve run`` uses, started while
    litsieve imports Prefect rather than after.

    ``launch()`` starts it and returns its API URL at once; ``wait()`` returns once
    ``/api/health`` answers (ServerStartError if the process exits first or ``timeout``
    seconds pass); ``start()`` does both. ``stop()`` ends it (SIGTERM to its process
    group, SIGKILL after ``grace`` seconds). The child runs in a session of its own, so a
    Ctrl-C in the terminal reaches litsieve alone, which stops its work first and the
    server last.
    """

    def __init__(self, home: Path | None, *, ephemeral: bool = False, host: str = "127.0.0.1",
                 port: int | None = None, timeout: float = 180.0, grace: float = 15.0) -> None:
        self.home = None if home is None else Path(home)
        self.ephemeral = ephemeral
        self.host = host
        self.port = port
        self.timeout = timeout
        self.grace = grace
        self.process: subprocess.Popen[bytes] | None = None
        self._log_dir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}/api"

    @property
    def log_path(self) -> Path:
        if self.home is not None:
            return self.home / _LOG_FILE
        if self._log_dir is None:
            self._log_dir = tempfile.TemporaryDirectory(prefix="litsieve-prefect-")
        return Path(self._log_dir.name) / _LOG_FILE

    def environment(self) -> dict[str, str]:
        """The server's environment: this one without an API URL, offline, and its home."""
        env = {name: value for name, value in os.environ.items()
               if name not in ("PREFECT_API_URL", "PREFECT_PROFILE", "PREFECT_PROFILES_PATH")}
        if self.home is not None:
            env["PREFECT_HOME"] = str(self.home)
        offline_defaults(env)
        env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
        if self.ephemeral:
            env.update({"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
                        "PREFECT__SERVER_FINAL": "1"})
        return env

    def command(self) -> list[str]:
        if not self.ephemeral:
            return [sys.executable, "-m", "prefect", "server", "start", "--host", self.host,
                    "--port", str(self.port)]
        spec = importlib.util.find_spec("prefect")
        if spec is None or spec.origin is None:
            raise ServerStartError("Prefect is not installed")
        return [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(spec.origin).parents[1]),
                "--factory", "prefect.server.api.server:create_app", "--host", self.host,
                "--port", str(self.port), "--log-level", "error", "--lifespan", "on"]

    def _clear_previous(self) -> None:
        """Deal with the server a previous ``litsieve serve`` left in ``home``: refuse when
        that serve still runs it; stop it when its serve is gone (killed without a chance
        to stop it), so two servers never share one database."""
        if self.home is None or self.ephemeral:
            return
        state = self.home / _STATE_FILE
        try:
            found = json.loads(state.read_text(encoding="utf-8"))
            pid, owner = int(found["pid"]), int(found.get("owner", 0))
        except (OSError, ValueError, KeyError, TypeError):
            return
        if owner and owner != os.getpid() and _alive(owner) and _healthy(found["api_url"]):
            raise ServerStartError(
                f"another litsieve serve (pid {owner}) runs this review's Prefect server at "
                f"{found['api_url']}; stop it first")
        if _alive(pid) and _is_prefect_server(pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGTERM)
            deadline = time.monotonic() + self.grace
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
        state.unlink(missing_ok=True)

    def launch(self) -> str:
        """Start the server process (without waiting for it); returns its API URL."""
        if self.process is not None:
            return self.api_url
        self._clear_previous()
        if self.home is not None:
            self.home.mkdir(parents=True, exist_ok=True)
        if self.port is None:
            self.port = _free_port(self.host)
        command = self.command()
        with open(self.log_path, "ab") as log:
            log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(command)}\n"
                      .encode())
            log.flush()
            self.process = subprocess.Popen(command, env=self.environment(), stdout=log,
                                            stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        return self.api_url

    def wait(self) -> str:
        """Wait until the launched server answers; returns its API URL."""
        try:
            self._wait_until_healthy()
        except BaseException:
            self.stop()
            raise
        if self.home is not None and not self.ephemeral:
            assert self.process is not None
            (self.home / _STATE_FILE).write_text(
                json.dumps({"api_url": self.api_url, "pid": self.process.pid,
                            "owner": os.getpid()}) + "\n", encoding="utf-8")
        return self.api_url

    def start(self) -> str:
        """Start the server and wait until it answers; returns its API URL."""
        self.launch()
        return self.wait()

    def _wait_until_healthy(self) -> None:
        if self.process is None:
            raise ServerStartError("the local Prefect server was not started")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerStartError(
                    f"the local Prefect server exited with code {self.process.returncode} "
                    f"before it answered; its log ({self.log_path}) ends with:\n{self._tail()}")
            if _healthy(self.api_url, timeout=1.0):
                return
            time.sleep(0.3)
        raise ServerStartError(
            f"the local Prefect server did not answer at {self.api_url} within "
            f"{self.timeout:.0f} s; its log ({self.log_path}) ends with:\n{self._tail()}")

    def _tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.rstrip().splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server (its whole process group) and forget its address."""
        if self.home is not None and not self.ephemeral:
            (self.home / _STATE_FILE).unlink(missing_ok=True)
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            else:
                try:
                    process.wait(timeout=self.grace)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        if self._log_dir is not None:
            self._log_dir.cleanup()
            self._log_dir = None

    def __enter__(self) -> LocalPrefectServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
