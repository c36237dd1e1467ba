"""The review flow on a real Prefect server, as users run it.

One server serves the module: ``litsieve serve`` started out of the box (no
PREFECT_API_URL) starts ``prefect server start`` on 127.0.0.1 (a free port, its
PREFECT_HOME in the review directory under tmp_path) and serves the review flow on a
one-minute schedule against the fake E-utilities server. While it waits for the minute,
the team's way runs against the same server: a process work pool, a worker, the review
flow deployed to it and a run started through the API. Then the scheduled update must
have landed, and SIGTERM must stop everything cleanly.

The tests share the server and run in order, in one xdist worker (``--dist loadgroup``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from screening.review_dir import init_review, open_review
from tests.fakes.eutils_server import FakeEutils
from tests.screening.test_update import INITIAL, QUERY

ROOT = Path(__file__).resolve().parents[2]
LITSIEVE = Path(sys.executable).with_name("litsieve")
#: Starting the server, waiting for the next whole minute, the update and the review.
SCHEDULED_WITHIN = 180
pytestmark = pytest.mark.xdist_group("prefect-server")


def _environment(home: Path, **extra: str) -> dict[str, str]:
    """This environment without Prefect or store settings of its own, offline."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("PREFECT_") and name not in (
               "LITSIEVE_DATABASE_URL", "LITSIEVE_EUTILS_URL")}
    env.update({"PREFECT_HOME": str(home), "DO_NOT_TRACK": "1",
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **extra})
    return env


def _runs(directory: Path, kind: str) -> list:
    try:
        with open_review(directory).open_store() as store:
            return [r for r in store.runs(kind=kind) if r.status == "ok"]
    except Exception:  # the store is busy (SQLite): look again
        return []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    directory: Path
    api_url: str
    server_pid: int
    started: float
    stdout: Path
    stderr: Path

    def output(self) -> tuple[str, str]:
        return (self.stdout.read_text("utf-8", "replace"),
                self.stderr.read_text("utf-8", "replace"))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``litsieve serve DIR`` running, once its own Prefect server answers."""
    tmp = tmp_path_factory.mktemp("serve")
    config = tmp / "protocol.toml"
    config.write_text(
        f'[review]\nname = "serve test"\n[pubmed]\nquery = "{QUERY}"\n'
        'email = "tests@example.org"\nstart = "2024/01/01"\nschedule = "* * * * *"\n',
        encoding="utf-8")
    directory = tmp / "review"
    init_review(directory, config=config)
    started = time.monotonic()
    with FakeEutils(INITIAL, rate_limit=False) as eutils:
        env = _environment(tmp / "prefect-client", LITSIEVE_EUTILS_URL=eutils.base_url)
        stdout, stderr = tmp / "serve.out", tmp / "serve.err"
        with open(stdout, "wb") as out, open(stderr, "wb") as err:
            process = subprocess.Popen([str(LITSIEVE), "serve", str(directory)], env=env,
                                       cwd=tmp, stdout=out, stderr=err)
        try:
            state = directory / ".prefect" / "server.json"
            while not state.is_file():
                assert process.poll() is None, stderr.read_text("utf-8", "replace")
                assert time.monotonic() - started < SCHEDULED_WITHIN, "no server"
                time.sleep(0.5)
            found = json.loads(state.read_text(encoding="utf-8"))
            yield Served(process, directory, found["api_url"], found["pid"], started,
                         stdout, stderr)
        finally:
            if process.poll() is None:  # a test failed: stop serve, and so its server
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if state.is_file():  # serve could not stop its server
                pid = int(json.loads(state.read_text(encoding="utf-8"))["pid"])
                if _alive(pid):
                    os.killpg(pid, signal.SIGKILL)


def test_review_flow_deployed_to_a_work_pool_runs_on_a_worker(served: Served,
                                                               tmp_path: Path) -> None:
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.review import deploy_review

    started = time.monotonic()
    directory = tmp_path / "review"
    init_review(directory, config=ROOT / "config" / "example.toml")
    env = _environment(tmp_path / "prefect-client", PREFECT_API_URL=served.api_url,
                       PREFECT_WORKER_QUERY_SECONDS="2")
    pool = "litsieve-test"
    created = subprocess.run([sys.executable, "-m", "prefect", "work-pool", "create", pool,
                              "--type", "process"], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert created.returncode == 0, created.stdout + created.stderr
    log = tmp_path / "worker.log"
    with open(log, "wb") as handle:
        worker = subprocess.Popen([sys.executable, "-m", "prefect", "worker", "start",
                                   "--pool", pool, "--type", "process"], env=env,
                                  cwd=tmp_path, stdout=handle, stderr=subprocess.STDOUT)
    try:
        with temporary_settings(updates={PREFECT_API_URL: served.api_url}):
            deployment = deploy_review(directory, pool)  # beside the served one
            run = run_deployment(deployment, timeout=240)
        assert run.state is not None and run.state.is_completed(), (
            run.state, log.read_text("utf-8", "replace")[-3000:])
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    with open_review(directory).open_store() as store:
        assert [s.n_records for s in store.sources()] == [10, 7]  # the sources imported
        [review_run] = store.runs(kind="review")
        assert review_run.status == "ok" and review_run.parameters["update_pubmed"] is False
        assert review_run.summary["stages"]["identification"]["duplicates"] == 4
    assert (directory / "prisma.svg").is_file()
    print(f"work pool test: {time.monotonic() - started:.0f} s")


def test_serve_runs_the_update_then_the_review_on_schedule(served: Served) -> None:
    while time.monotonic() - served.started < SCHEDULED_WITHIN:
        if _runs(served.directory, "review"):  # the review steps, right after the update
            break
        assert served.process.poll() is None, served.output()
        time.sleep(2)
    updates = _runs(served.directory, "update")
    waited = time.monotonic() - served.started
    assert len(updates) == 1 and updates[0].summary["imported"] == 60, (
        f"no update landed within {waited:.0f} s", served.output()[1][-3000:])
    [review_run] = _runs(served.directory, "review")
    assert review_run.parameters["update_pubmed"] is True
    assert review_run.summary["stages"]["title_abstract"]["waiting"] == 60
    assert _alive(served.server_pid)
    print(f"serve: update and review landed {waited:.0f} s after `litsieve serve` started")


def test_serve_stops_cleanly_on_sigterm(served: Served) -> None:
    served.process.send_signal(signal.SIGTERM)
    served.process.wait(timeout=60)
    stdout, stderr = served.output()
    assert served.process.returncode == 0, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    assert stdout.splitlines()[0].startswith("Starting a local Prefect server")
    assert stdout.splitlines()[-1] == "Stopped"
    assert not (served.directory / ".prefect" / "server.json").exists()
    assert not _alive(served.server_pid)
    print(f"serve test in all: {time.monotonic() - served.started:.0f} s")
