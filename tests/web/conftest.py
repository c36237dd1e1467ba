"""A review with a team, served by the web app, on SQLite and (given
LITSIEVE_TEST_DATABASE_URL) PostgreSQL.

The review is made through the CLI like any other: two RIS exports (Embase and Scopus)
sharing one study, deduplicated; dual blind screening; three accounts (the lead, ann and
bob). One record carries markup in every field a page shows (title, abstract, authors,
journal, keywords): the security tests check that it always renders as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from screening.cli import main
from screening.review_dir import open_review
from tests.screening.conftest import drop_review_schemas, store_target  # noqa: F401

#: Markup that must never reach a page as markup: the stored title and abstract of EMB3.
#: Readers strip tags such as ``<b>`` from record text, but a tag split by another one
#: (``<scr<b>ipt>``) comes out whole, so markup does reach the store.
SCRIPT_TITLE = "<script>alert('title')</script> Ketamine for pain"
ONERROR_ABSTRACT = ('Ketamine relieved pain. <img src=x onerror="alert(1)"> '
                    '<a href="javascript:alert(2)">more</a> & randomised trial')

# The abstract as exported, with tags split by other tags.
NESTED_ABSTRACT = ('Ketamine relieved pain. <im<b>g src=x onerror="alert(1)"> '
                   '<a hr<b>ef="javascript:alert(2)">more<</b>/a> & randomised trial')

EMBASE = f"""\
TY  - JOUR
AN  - EMB1
TI  - Intravenous ketamine for chronic low back pain: a randomised trial
AU  - Smith, John
PY  - 2020
T2  - Pain
DO  - 10.1000/ket.1
KW  - ketamine
KW  - chronic pain
AB  - Ketamine may relieve chronic low back pain in adults. A randomized placebo trial.
ER  -

TY  - JOUR
AN  - EMB2
TI  - Ketamine infusion in children with burns
AU  - Lee, Ann
PY  - 2019
T2  - Burns
DO  - 10.1000/ket.2
AB  - Children with burns received ketamine in a cohort study.
ER  -

TY  - JOUR
AN  - EMB3
TI  - <scr<b>ipt>alert('title')<</b>/script> Ketamine for pain
AU  - <im<b>g src=x onerror=alert(3)>, Eve
PY  - 2021
T2  - <i<b> onmouseover="alert(4)">Eur J Pain
DO  - 10.1000/ket.3
KW  - <scr<b>ipt>alert(5)<</b>/script>
AB  - {NESTED_ABSTRACT}
ER  -

TY  - JOUR
AN  - EMB4
TI  - Oral ketamine for neuropathic pain: a crossover trial
AU  - Garcia, Maria
PY  - 2021
T2  - Eur J Pain
DO  - 10.1000/ket.4
AB  - Oral ketamine in neuropathic pain, randomised.
ER  -

TY  - JOUR
AN  - EMB5
TI  - Esketamine nasal spray in treatment-resistant depression
AU  - Brown, Kate
PY  - 2022
T2  - Lancet Psychiatry
DO  - 10.1000/ket.5
AB  - Depression outcomes with esketamine; no pain outcome.
ER  -
"""

# SCO1 is EMB1 from another database (same DOI): deduplication links the two.
SCOPUS = """\
TY  - JOUR
AN  - SCO1
TI  - Intravenous ketamine for chronic low back pain: a randomised trial
AU  - Smith, J.
PY  - 2020
T2  - Pain
DO  - 10.1000/KET.1
ER  -

TY  - JOUR
AN  - SCO2
TI  - Ketamine and magnesium for fibromyalgia: a placebo-controlled trial
AU  - Brown, Kate
PY  - 2022
T2  - Rheumatology
DO  - 10.1000/ket.6
AB  - Adults with fibromyalgia, randomised to ketamine or placebo.
ER  -
"""

CONFIG = """\
[review]
name = "Web test review"

[screening]
votes = 2
blind = true

[screening.full_text]
votes = 1

[criteria]
include_terms = ["random*", "placebo"]
exclude_terms = ["children", "cohort"]

[criteria.reasons]
wrong_population = "Not adults with chronic non-cancer pain"
wrong_design = "Not a randomised controlled trial"
"""

PASSWORDS = {"lead": "lead-password", "ann": "ann-password", "bob": "bob-password"}
NAMES = {"lead": "Lea Lead", "ann": "Ann Archer", "bob": "Bob Baker"}
ROLES = {"lead": "lead", "ann": "reviewer", "bob": "reviewer"}

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class WebReview:
    """A review directory and the store URL the app opens it with."""

    path: Path
    store_url: str | None
    dialect: str

    def store(self):
        return open_review(self.path).open_store(self.store_url)

    def record_id(self, native_id: str) -> str:
        with self.store() as store:
            return next(k.record_id for k in store.record_keys() if k.native_id == native_id)


def cli(capsys, *args: object) -> str:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


@pytest.fixture
def web_review(store_target, monkeypatch, tmp_path: Path, capsys) -> Iterator[WebReview]:  # noqa: F811
    """The review (see the module docstring), on the store of ``store_target``."""
    if store_target.dialect == "sqlite":
        monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
        url = None
    else:
        monkeypatch.setenv("LITSIEVE_DATABASE_URL", store_target.url)
        url = store_target.url
    files = {name: tmp_path / name for name in ("protocol.toml", "embase.ris", "scopus.ris")}
    for path, text in zip(files.values(), (CONFIG, EMBASE, SCOPUS), strict=True):
        path.write_text(text, encoding="utf-8")
    directory = tmp_path / "review"
    cli(capsys, "init", directory, "--config", files["protocol.toml"])
    cli(capsys, "import", directory, files["embase.ris"], "--database", "Embase")
    cli(capsys, "import", directory, files["scopus.ris"], "--database", "Scopus")
    assert "1 duplicate records in 1 clusters" in cli(capsys, "dedup", directory)
    review = WebReview(directory, url, store_target.dialect)
    with review.store() as store:
        for reviewer_id, password in PASSWORDS.items():
            store.add_account(reviewer_id, NAMES[reviewer_id], role=ROLES[reviewer_id],
                              password=password)
    try:
        yield review
    finally:
        if url is not None:
            drop_review_schemas(url, tmp_path)


@pytest.fixture
def app(web_review: WebReview):
    from screening.web.app import create_app

    return create_app(web_review.path, store_url=web_review.store_url, background=False)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as opened:
        yield opened


@pytest.fixture
def tokens(web_review: WebReview) -> dict[str, str]:
    """An API token of each account."""
    with web_review.store() as store:
        return {reviewer_id: store.new_token(reviewer_id) for reviewer_id in PASSWORDS}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "no CSRF token in the page"
    return found.group(1)


def login(client: TestClient, reviewer_id: str, password: str | None = None) -> str:
    """Sign ``reviewer_id`` in on ``client``; returns the session's CSRF token."""
    page = client.get("/login")
    response = client.post("/login", data={
        "reviewer_id": reviewer_id, "password": password or PASSWORDS[reviewer_id],
        "csrf_token": csrf_of(page.text), "next": ""})
    assert response.status_code == 200, response.text
    return csrf_of(response.text)


def new_client(app) -> TestClient:
    """Another browser on the same app (its own cookies)."""
    return TestClient(app)
