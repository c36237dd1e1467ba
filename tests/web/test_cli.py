"""``litsieve reviewer`` (accounts, passwords, API tokens) and ``litsieve web`` (the app
served by uvicorn, one or several worker processes)."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from screening.cli import main
from tests.web.conftest import csrf_of


def run(capsys, *args: object, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_reviewer_add_token_password_and_list(web_review, capsys, monkeypatch) -> None:
    code, out, err = run(capsys, "reviewer", "add", web_review.path, "cy", "--name",
                         "Cy Clark", "--role", "REVIEWER", "--password-stdin",
                         stdin="cy-password\n", monkeypatch=monkeypatch)
    assert code == 0, err
    assert out.startswith("Added reviewer cy (Cy Clark)")
    code, out, _ = run(capsys, "reviewer", "token", web_review.path, "cy")
    assert code == 0
    token = out.split()[-1]
    with web_review.store() as store:
        assert store.account_by_token(token).reviewer_id == "cy"
        assert store.check_password("cy", "cy-password") is not None
    code, out, err = run(capsys, "reviewer", "password", web_review.path, "cy",
                         "--password-stdin", stdin="new-password\n", monkeypatch=monkeypatch)
    assert code == 0, err
    with web_review.store() as store:
        assert store.check_password("cy", "new-password") is not None
        assert store.check_password("cy", "cy-password") is None
    code, out, _ = run(capsys, "reviewer", "list", web_review.path)
    assert "Cy Clark" in out and "lead" in out


def test_reviewer_errors(web_review, capsys, monkeypatch) -> None:
    code, _, err = run(capsys, "reviewer", "add", web_review.path, "ann", "--name", "Ann",
                       "--password-stdin", stdin="another-password\n", monkeypatch=monkeypatch)
    assert code == 1 and "reviewer ann already has an account" in err
    code, _, err = run(capsys, "reviewer", "add", web_review.path, "dee", "--name", "Dee",
                       "--password-stdin", stdin="short\n", monkeypatch=monkeypatch)
    assert code == 1 and "the password must have at least 8 characters" in err
    code, _, err = run(capsys, "reviewer", "add", web_review.path, "dee", "--name", "Dee",
                       "--role", "boss", "--password-stdin", stdin="password-1\n",
                       monkeypatch=monkeypatch)
    assert code == 2 and "'boss' is not one of 'lead', 'reviewer'" in err
    code, _, err = run(capsys, "reviewer", "add", web_review.path, "dee", "--name", "Dee",
                       stdin="", monkeypatch=monkeypatch)  # no terminal to ask on
    assert code == 2 and "pass it on standard input with --password-stdin" in err
    code, _, err = run(capsys, "reviewer", "token", web_review.path, "nobody")
    assert code == 1 and "no account 'nobody' in this review" in err
    code, _, err = run(capsys, "reviewer", "password", web_review.path, "nobody",
                       "--password-stdin", stdin="password-1\n", monkeypatch=monkeypatch)
    assert code == 1 and "no account 'nobody' in this review" in err


def test_web_refuses_a_directory_that_is_no_review(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "web", tmp_path)
    assert code == 1 and "not a litsieve review" in err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(url: str, server: subprocess.Popen, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"litsieve web stopped: {server.stderr.read()}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"litsieve web did not answer at {url} within {seconds} s")


@pytest.mark.parametrize("workers", [1, 2])
def test_web_serves_the_review(web_review, workers: int) -> None:
    """The real command: sign in and screen; with two worker processes, the session
    and the queue are shared through the store."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-c", "from screening.cli import run; run()", "web",
         str(web_review.path),
         "--port", str(port), "--workers", str(workers)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
        start_new_session=True)
    try:
        _wait(f"{base}/login", server)
        with httpx.Client(base_url=base, timeout=30) as browser:
            page = browser.get("/login")
            signed_in = browser.post("/login", data={
                "reviewer_id": "ann", "password": "ann-password",
                "csrf_token": csrf_of(page.text)}, follow_redirects=True)
            assert signed_in.url.path == "/screen/title_abstract"
            # Every request, whichever worker takes it, knows the session.
            for _ in range(6):
                assert browser.get("/screen/title_abstract").url.path == "/screen/title_abstract"
    finally:
        _stop(server)


def _stop(server: subprocess.Popen) -> None:
    """Stop the server and its worker processes (its own process group)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
