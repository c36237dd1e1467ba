"""The app in a real browser (Debian's Chromium driven by Playwright): two reviewers screen
by keyboard, their votes conflict, the lead resolves the conflict, kappa shows on the
agreement page and the dashboard's PRISMA diagram follows. The app runs as `litsieve web`
runs it (uvicorn, background retraining on), in a thread of the test.

Screenshots of the screening page and the dashboard are saved under the test's tmp_path;
with LITSIEVE_SCREENSHOTS_DIR set (e.g. to docs/, for the README) they are copied there too.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"browser tests drive Debian's Chromium at {CHROMIUM}, which is not installed "
           "(apt-get install chromium; .ci/run installs it)")


@pytest.fixture
def server(web_review) -> Iterator[str]:
    """The review's app served by uvicorn on a free 127.0.0.1 port; its base URL."""
    import uvicorn

    from screening.web.app import create_app

    app = create_app(web_review.path, store_url=web_review.store_url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    served = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=served.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not served.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        served.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


class Person:
    """One reviewer's browser tab; any dialog (an alert from injected script) or console
    error (a script the Content-Security-Policy blocked) is recorded and fails the test."""

    def __init__(self, browser, base: str, reviewer_id: str, password: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.base = base
        self.problems: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(m.text))
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.page.goto(f"{base}/login")
        self.page.fill("input[name=reviewer_id]", reviewer_id)
        self.page.fill("input[name=password]", password)
        with self.page.expect_navigation():
            self.page.click("button[type=submit]")

    def _dialog(self, dialog) -> None:
        self.problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)

    def record(self) -> str:
        return self.page.get_attribute("article.record", "data-record-id")

    def press(self, key: str) -> None:
        """Press a screening key with nothing focused, and wait for the next page."""
        self.page.evaluate("document.activeElement && document.activeElement.blur()")
        with self.page.expect_navigation():
            self.page.keyboard.press(key)


def prisma_text(person: Person) -> str:
    texts = person.page.locator("#prisma svg text").all_text_contents()
    return " ".join(texts).replace("\xa0", " ")


def test_two_reviewers_a_conflict_the_lead_and_the_diagram(server, browser, web_review,
                                                           tmp_path: Path) -> None:
    from tests.web.conftest import PASSWORDS

    lead = Person(browser, server, "lead", PASSWORDS["lead"])
    assert lead.page.url.endswith("/dashboard")
    before = prisma_text(lead)
    assert "Records screened (n = 0)" in before

    ann = Person(browser, server, "ann", PASSWORDS["ann"])
    page = ann.page
    assert page.url.endswith("/screen/title_abstract")
    first = ann.record()
    # The protocol's terms are highlighted.
    assert page.locator("mark.term-include").count() >= 2
    page.screenshot(path=str(tmp_path / "web-screening.png"), full_page=True)

    ann.press("i")
    assert "The record waits for another reviewer's vote." in page.inner_text(".notice")
    assert ann.record() != first
    ann.press("u")  # undo: the record comes back
    assert "Your last vote was taken back" in page.inner_text(".notice")
    assert ann.record() == first
    seen = []
    for key in ("i", "e", "i"):
        seen.append(ann.record())
        ann.press(key)

    bob = Person(browser, server, "bob", PASSWORDS["bob"])
    for n, key in enumerate(("e", "e", "i")):  # disagrees on the first record only
        assert bob.record() == seen[n]
        # Blind: bob cannot see ann's vote, only that she voted.
        assert "blind screening hides their vote" in bob.page.inner_text(".votes")
        bob.press(key)
        assert ("The votes disagree" if n == 0 else "the record is decided") in \
            bob.page.inner_text(".notice")

    lead.goto("/conflicts")
    conflict = lead.page.locator(f'section.conflict[data-record-id="{first}"]')
    assert "ann: Include" in conflict.inner_text() and "bob: Exclude" in conflict.inner_text()
    with lead.page.expect_navigation():
        conflict.locator("button[value=include]").click()
    assert "Conflict resolved" in lead.page.inner_text(".notice")
    assert lead.page.locator("section.conflict").count() == 0

    lead.goto("/agreement")
    assert lead.page.inner_text("td.kappa") == "0.400"  # po 2/3, pe 4/9

    lead.goto("/dashboard")
    after = prisma_text(lead)
    assert after != before and "Records screened (n = 3)" in after
    lead.page.screenshot(path=str(tmp_path / "web-dashboard.png"), full_page=True)

    # Full text: an exclusion needs its reason; the key says so instead of sending.
    ann.goto("/screen/full_text")
    assert ann.record() in (first, web_review.record_id("EMB3"))
    ann.page.evaluate("document.activeElement && document.activeElement.blur()")
    ann.page.keyboard.press("e")
    assert ann.page.is_visible("#reason-hint")
    assert ann.page.evaluate("document.activeElement.id") == "reason"
    ann.page.select_option("#reason", "wrong_population")
    ann.page.keyboard.press("Escape")
    ann.press("e")
    assert "the record is decided" in ann.page.inner_text(".notice")

    for person in (lead, ann, bob):
        assert person.problems == []
        person.context.close()
    target = os.environ.get("LITSIEVE_SCREENSHOTS_DIR")
    if target:
        for name in ("web-screening.png", "web-dashboard.png"):
            shutil.copyfile(tmp_path / name, Path(target) / name)
    assert re.search(rb"^\x89PNG", (tmp_path / "web-dashboard.png").read_bytes())
