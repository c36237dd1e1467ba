"""Scheduled PubMed updates (screening.update) against the fake E-utilities server.

The corpus is made of records with distinct titles, authors, DOIs and pages, so the
dedup rules keep them apart; ten of the records added later are also in an Embase RIS
export imported before the update (same DOI, title, authors, journal, volume, pages, no
PMID), which the rules merge: the update brings 50 records and 40 new studies.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests

from screening.errors import ConfigError
from screening.eutils import TokenBucket
from screening.ingest import import_file
from screening.review_dir import init_review, open_review
from screening.settings import parse_config
from screening.update import (
    EUTILS_URL_ENV,
    Window,
    make_client,
    plan_window,
    pubmed_settings,
    queue_size,
    run_update,
)
from tests.fakes.eutils_server import FakeEutils

QUERY = "ketamine[tiab] AND pain[tiab]"
START = date(2024, 1, 1)
FIRST_DAY = date(2024, 3, 31)  # the first update runs on this day
SECOND_DAY = date(2024, 4, 30)
_WORDS = ("ketamine infusion chronic neuropathic pain randomised trial placebo controlled "
          "opioid sparing analgesia postoperative fibromyalgia cancer outcomes adults "
          "children dose response esketamine intranasal depression cohort meta analysis "
          "safety hallucinations blood pressure migraine sciatica spinal cord injury burn "
          "emergency department sedation magnesium lidocaine infusion quality life sleep "
          "anxiety delirium elderly surgery abdominal thoracic orthopaedic knee hip").split()
_NAMES = ("Smith Jones Garcia Muller Rossi Dubois Kowalski Novak Silva Tanaka Kim Chen Patel "
          "Okafor Larsen Nielsen Schmidt Moreau Costa Ivanova Horvath Papadopoulos Yilmaz "
          "Andersson Virtanen Murphy Walsh Byrne Fischer Weber Keller Bauer").split()


@dataclass(frozen=True, slots=True)
class Article:
    """A fake PubMed record with enough metadata for the dedup rules (duck-types FakeRecord)."""

    pmid: str
    edat: date
    title: str
    authors: tuple[str, ...]
    volume: str
    pages: str
    doi: str

    def medline(self) -> str:
        day = self.edat.strftime("%Y/%m/%d")
        authors = "".join(f"AU  - {a}\n" for a in self.authors)
        return (f"PMID- {self.pmid}\nOWN - NLM\nSTAT- Publisher\nDP  - {self.edat.year}\n"
                f"TI  - {self.title}\n{authors}JT  - Journal of Pain Research\n"
                f"TA  - J Pain Res\nVI  - {self.volume}\nPG  - {self.pages}\n"
                f"LID - {self.doi} [doi]\nAID - {self.doi} [doi]\nEDAT- {day} 00:00\n"
                f"SO  - J Pain Res. {self.edat.year};{self.volume}:{self.pages}.\n")

    def ris(self) -> str:
        authors = "".join(f"AU  - {a.split()[0]}, {a.split()[1]}\n" for a in self.authors)
        first, last = self.pages.split("-")
        return (f"TY  - JOUR\nDB  - Embase\nTI  - {self.title}\n{authors}"
                f"T2  - Journal of Pain Research\nPY  - {self.edat.year}\nVL  - {self.volume}\n"
                f"SP  - {first}\nEP  - {last}\nDO  - {self.doi}\nER  - \n\n")


def articles(n: int, *, start: date, end: date, seed: int, first_pmid: int) -> list[Article]:
    rng = random.Random(seed)
    days = (end - start).days + 1
    out = []
    for i in range(n):
        pmid = first_pmid + i
        title = " ".join(rng.sample(_WORDS, 9)).capitalize() + f" (study {pmid})"
        authors = tuple(f"{rng.choice(_NAMES)} {rng.choice('ABCDEFGHJK')}{rng.choice('LMNPR')}"
                        for _ in range(3))
        first = 100 + 10 * i
        out.append(Article(str(pmid), start + timedelta(days=i * days // n), title, authors,
                           str(1 + seed), f"{first}-{first + 7}",
                           f"10.2147/jpr.s{pmid}"))
    return out


#: 60 records in the first window; 50 more in April, ten of which Embase also has.
INITIAL = articles(60, start=date(2024, 1, 2), end=date(2024, 3, 30), seed=1,
                   first_pmid=38_000_000)
LATER = articles(50, start=date(2024, 4, 2), end=date(2024, 4, 29), seed=2,
                 first_pmid=38_500_000)
IN_EMBASE = LATER[::5]  # 10 records


def fast_bucket() -> TokenBucket:
    return TokenBucket(200.0, capacity=50)  # the fake server is not rate limited here


def make_review(tmp_path: Path, base_url: str = "http://127.0.0.1:9/") -> Path:
    config = tmp_path / "protocol.toml"
    config.write_text(
        '[review]\nname = "update test"\n'
        f'[pubmed]\nquery = "{QUERY}"\nemail = "tests@example.org"\nstart = "2024/01/01"\n'
        f'base_url = "{base_url}"\n', encoding="utf-8")
    directory = tmp_path / "review"
    init_review(directory, config=config)
    return directory


def import_embase(directory: Path) -> None:
    path = directory / "embase-april.ris"
    path.write_text("".join(a.ris() for a in IN_EMBASE), encoding="utf-8")
    review = open_review(directory)
    with review.open_store() as store:
        run = store.begin_run("import", {"files": [path.name]})
        report = import_file(store, path, run_id=run, database="Embase")
        store.finish_run(run, "ok", {})
    assert report.n_records == 10


def update(directory: Path, server: FakeEutils, today: date, **kwargs):
    review = open_review(directory)
    settings = pubmed_settings(review.config.pubmed, {EUTILS_URL_ENV: server.base_url})
    client = make_client(settings, session=requests.Session(), bucket=fast_bucket(),
                         backoff_base=0.01)
    with review.open_store() as store:
        return run_update(store, directory / "updates", client, query=settings.query,
                          start=settings.start, today=today, datetype=settings.datetype,
                          **kwargs)


def state(directory: Path) -> dict:
    with open_review(directory).open_store() as store:
        return {
            "records": store.count_records(),
            "sources": sorted((s.name, s.n_records) for s in store.sources()),
            "queue": queue_size(store),
            "duplicates": sorted(d.record_id for d in store.latest_record_decisions(
                stage="deduplication") if d.outcome == "duplicate"),
            "updates_ok": sorted((r.parameters["mindate"], r.parameters["maxdate"])
                                 for r in store.runs(kind="update") if r.status == "ok"),
        }


@pytest.fixture()
def server():
    with FakeEutils(INITIAL, rate_limit=False) as fake:
        yield fake


def grow(server: FakeEutils) -> None:
    """PubMed gains the April records."""
    server.corpus = sorted([*INITIAL, *LATER], key=lambda r: int(r.pmid), reverse=True)
    server.by_pmid = {r.pmid: r for r in server.corpus}


def test_two_updates_import_new_records_and_queue_only_new_studies(tmp_path, server) -> None:
    directory = make_review(tmp_path)
    [first] = update(directory, server, FIRST_DAY)
    assert first.window == Window(START, date(2024, 3, 30))  # up to yesterday
    assert (first.counts.hits, first.counts.imported, first.counts.duplicates,
            first.counts.new_in_queue, first.counts.queue) == (60, 60, 0, 60, 60)
    assert first.file == directory / "updates" / "pubmed-2024-01-01-2024-03-30.nbib"
    assert not list((directory / "updates").glob("*.part"))

    import_embase(directory)  # Embase export of April, imported before the next update
    with open_review(directory).open_store() as store:
        before = queue_size(store)
    assert before == 70

    grow(server)
    [second] = update(directory, server, SECOND_DAY)
    assert second.window == Window(date(2024, 3, 31), date(2024, 4, 29))  # to yesterday
    assert (second.counts.hits, second.counts.imported, second.counts.duplicates,
            second.counts.new_in_queue) == (50, 50, 10, 40)
    with open_review(directory).open_store() as store:
        assert queue_size(store) == before + 40 == second.counts.queue
        runs = [r for r in store.runs(kind="update") if r.status == "ok"]
        assert runs[-1].parameters == {"mindate": "2024-03-31", "maxdate": "2024-04-29",
                                       "query": QUERY, "datetype": "edat", "resumed": False}
        assert runs[-1].summary["new_in_queue"] == 40
        names = [s.name for s in store.sources()]
    assert names == ["pubmed-2024-01-01-2024-03-30.nbib", "embase-april.ris",
                     "pubmed-2024-03-31-2024-04-29.nbib"]
    # the esearch asked for exactly the window, by Entrez date
    search = [r.query for r in server.log if r.endpoint == "esearch"][-1]
    assert (search["mindate"], search["maxdate"], search["datetype"], search["term"]) == (
        "2024/03/31", "2024/04/29", "edat", QUERY)
    report = json.loads((directory / "updates" / "report-2024-04-29.json").read_text())
    assert (report["hits"], report["duplicates"], report["new_in_queue"]) == (50, 10, 40)
    text = (directory / "updates" / "report-2024-04-29.md").read_text()
    assert "New records to screen: 40" in text

    # Running again the same day: up to date, nothing is fetched or added.
    requests_before = len(server.log)
    assert update(directory, server, SECOND_DAY) == []
    assert len(server.log) == requests_before


def test_same_window_again_adds_nothing(tmp_path, server) -> None:
    directory = make_review(tmp_path)
    update(directory, server, FIRST_DAY)
    after_first = state(directory)
    # Forget that the update finished: the same window runs again from its file.
    with open_review(directory).open_store() as store:
        [run] = store.runs(kind="update")
        window = plan_window(store, start=START, today=FIRST_DAY)
    assert window is None  # finished: nothing due
    (directory / "updates" / "pubmed-2024-01-01-2024-03-30.nbib").unlink()
    # a fresh fetch of the same window writes the same bytes: already imported
    from screening.update import fetch_window, import_window
    review = open_review(directory)
    settings = pubmed_settings(review.config.pubmed, {EUTILS_URL_ENV: server.base_url})
    client = make_client(settings, bucket=fast_bucket())
    fetched = fetch_window(client, QUERY, Window(START, date(2024, 3, 30)), directory / "updates")
    with review.open_store() as store:
        report = import_window(store, fetched.path, run_id=run.run_id)
    assert report.already_imported
    assert state(directory) == after_first


class Crash(Exception):
    pass


def crash_after(name: str):
    def step(step_name, function, *args, **kwargs):
        result = function(*args, **kwargs)
        if step_name == name:
            raise Crash(f"killed after {name}")
        return result
    return step


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    """The state after two clean updates (with the Embase import in between)."""
    tmp_path = tmp_path_factory.mktemp("reference")
    with FakeEutils(INITIAL, rate_limit=False) as fake:
        directory = make_review(tmp_path)
        update(directory, fake, FIRST_DAY)
        import_embase(directory)
        grow(fake)
        update(directory, fake, SECOND_DAY)
    return state(directory)


@pytest.mark.parametrize("crash", ["fetch", "import", "dedup", "count", "report"])
def test_killed_update_run_again_loses_nothing_and_doubles_nothing(
        tmp_path, server, reference, crash) -> None:
    directory = make_review(tmp_path)
    update(directory, server, FIRST_DAY)
    import_embase(directory)
    grow(server)
    with pytest.raises(Crash):
        update(directory, server, SECOND_DAY, step=crash_after(crash))
    assert not list((directory / "updates").glob("*.part"))
    # run again the next day: the crashed window is resumed (or, if nothing of it was
    # imported, the window simply reaches the new day)
    results = update(directory, server, SECOND_DAY + timedelta(days=1))
    final = state(directory)
    for key in ("records", "queue", "duplicates"):
        assert final[key] == reference[key], key
    assert [n for _, n in final["sources"]] == [n for _, n in reference["sources"]]
    if crash == "fetch":  # the file was complete but never imported: a new, wider window
        assert [r.window for r in results] == [Window(date(2024, 3, 31), date(2024, 4, 30))]
        assert final["sources"][-1][0] == "pubmed-2024-03-31-2024-04-30.nbib"
    else:
        # resumed from its imported file, then the one new day
        assert final["sources"] == reference["sources"]
        assert [r.window for r in results] == [
            Window(date(2024, 3, 31), date(2024, 4, 29), resumed=True),
            Window(date(2024, 4, 30), date(2024, 4, 30))]
        assert results[0].already_imported
        assert (results[0].counts.duplicates, results[0].counts.new_in_queue) == (10, 40)
    assert final["updates_ok"][-1][1] == "2024-04-30"
    with open_review(directory).open_store() as store:
        statuses = [r.status for r in store.runs(kind="update")]
    assert statuses.count("failed") == 1


def test_hard_kill_leaves_a_running_run_and_is_resumed(tmp_path, server, reference) -> None:
    """A process killed outright (no clean-up): only the import happened; run left running."""
    from screening.update import fetch_window, import_window

    directory = make_review(tmp_path)
    update(directory, server, FIRST_DAY)
    import_embase(directory)
    grow(server)
    review = open_review(directory)
    settings = pubmed_settings(review.config.pubmed, {EUTILS_URL_ENV: server.base_url})
    client = make_client(settings, bucket=fast_bucket())
    with review.open_store() as store:
        window = plan_window(store, start=START, today=SECOND_DAY)
        run_id = store.begin_run("update", window.parameters(QUERY, "edat"))
        fetched = fetch_window(client, QUERY, window, directory / "updates")
        import_window(store, fetched.path, run_id=run_id)
    # a .part left behind by a kill mid-fetch of a later window is ignored and replaced
    (directory / "updates" / "pubmed-2024-04-30-2024-04-30.nbib.part").write_text("PMID- 1\n")
    results = update(directory, server, SECOND_DAY + timedelta(days=1))
    assert [r.window.resumed for r in results] == [True, False]
    final = state(directory)
    assert final["records"] == reference["records"]
    assert final["queue"] == reference["queue"]
    assert final["sources"] == reference["sources"]
    assert final["duplicates"] == reference["duplicates"]


def test_no_hits_records_an_empty_update(tmp_path) -> None:
    directory = make_review(tmp_path)
    with FakeEutils([], rate_limit=False) as fake:
        [result] = update(directory, fake, FIRST_DAY)
    assert result.counts.hits == result.counts.imported == 0
    assert result.file is None
    assert state(directory)["records"] == 0
    assert state(directory)["updates_ok"] == [("2024-01-01", "2024-03-30")]


def test_pubmed_settings_from_config_and_environment() -> None:
    config = parse_config('[review]\nname = "x"\n[pubmed]\nquery = "q"\nstart = "2024/01/01"\n',
                          path="r.toml")
    with pytest.raises(ConfigError, match=r"\[pubmed\] email is not set \(nor NCBI_EMAIL\)"):
        pubmed_settings(config.pubmed, {})
    settings = pubmed_settings(config.pubmed, {"NCBI_EMAIL": "a@b.org", "NCBI_API_KEY": "k",
                                               EUTILS_URL_ENV: "http://127.0.0.1:1/"})
    assert (settings.email, settings.api_key, settings.base_url, settings.start) == (
        "a@b.org", "k", "http://127.0.0.1:1/", date(2024, 1, 1))
    none = parse_config('[review]\nname = "x"\n', path="r.toml")
    with pytest.raises(ConfigError, match=r"no \[pubmed\] section"):
        pubmed_settings(none.pubmed, {})


def test_cli_update_prints_the_counts(tmp_path, server, monkeypatch, capsys) -> None:
    from screening.cli import main

    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    monkeypatch.setenv(EUTILS_URL_ENV, server.base_url)
    directory = make_review(tmp_path)  # its base_url points nowhere: the variable wins
    assert main(["update", str(directory), "--today", "2024-03-31"]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "PubMed 2024/01/01-2024/03/30: 60 found, 60 imported, 0 already in the review, " \
           "60 new to screen (60 waiting in all)" in printed
    diagram = directory / "updates" / "prisma-2024-03-30.png"
    assert f"PRISMA diagram: {diagram}" in printed
    assert diagram.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # the draft diagram, drawn
    assert main(["update", str(directory), "--today", "2024-03-31"]) == 0
    assert "is up to date: PubMed was searched up to 2024-03-30" in capsys.readouterr().out
    assert main(["update", str(directory), "--today", "31/03/2024"]) == 2
    assert "expected YYYY-MM-DD (got '31/03/2024')" in capsys.readouterr().err


def test_cli_update_and_serve_need_a_pubmed_section(tmp_path, capsys) -> None:
    from screening.cli import main

    directory = tmp_path / "plain"
    assert main(["init", str(directory)]) == 0
    for command in ("update", "serve"):
        assert main([command, str(directory)]) == 1
        assert "no [pubmed] section in the review's litsieve.toml" in capsys.readouterr().err
