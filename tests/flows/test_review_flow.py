"""The review flow: every step once, on the example review, and again with nothing new.

The extraction/pooling steps and the local-server helpers are tested as plain functions;
the flow runs on the session's Prefect test harness.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from screening.decisions_import import import_decisions
from screening.errors import ReviewError
from screening.review_dir import init_review, open_review

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example.toml"
DECISIONS = ROOT / "tests" / "data" / "decisions" / "ketamine_decisions.csv"

FORM_HEADER = "study,outcome,arm,group,n,mean,sd\n"
FORM_ROWS = [("Smith 2019", "intervention", 30, 3.1, 1.2), ("Smith 2019", "control", 29, 4.0, 1.4),
             ("Jones 2021", "intervention", 25, 2.9, 1.1), ("Jones 2021", "control", 24, 3.8, 1.5)]


def _form(rows) -> str:
    return FORM_HEADER + "".join(
        f"{study},pain,{group},{group},{'' if n is None else n},{'' if m is None else m},"
        f"{'' if sd is None else sd}\n" for study, group, n, m, sd in rows)


def test_pool_ready_waits_for_a_complete_form_and_rewrites_nothing_unchanged(tmp_path) -> None:
    from flows.review import form_progress, pool_ready

    (tmp_path / "litsieve.toml").write_text(
        '[review]\nname = "t"\n[pooling.outcomes.pain]\nfile = "form.csv"\nmeasure = "MD"\n'
        'outcome = "pain"\n', encoding="utf-8")
    pooling = {"outcomes": {"pain": {}}}
    assert pool_ready(tmp_path, pooling)["pain"] == {
        "pooled": False, "file": str(tmp_path / "form.csv"),
        "left": f"{tmp_path / 'form.csv'} does not exist yet"}
    rows = list(FORM_ROWS)
    rows[3] = ("Jones 2021", "control", None, None, None)
    (tmp_path / "form.csv").write_text(_form(rows), encoding="utf-8")
    assert pool_ready(tmp_path, pooling)["pain"]["left"] == (
        "1 row with empty data cells (Jones 2021)")
    progress = form_progress(tmp_path / "form.csv")
    assert (progress["rows"], progress["rows_left"], progress["studies_left"]) == (
        4, 1, ["Jones 2021"])
    (tmp_path / "form.csv").write_text(_form(FORM_ROWS).replace("1.4", "-1.4"),
                                       encoding="utf-8")
    [problem] = form_progress(tmp_path / "form.csv")["check"]  # filled, but wrong
    assert problem.startswith(f"{tmp_path / 'form.csv'}:3: sd: ")
    assert "form.csv:3: sd: " in pool_ready(tmp_path, pooling)["pain"]["problems"]
    (tmp_path / "form.csv").write_text(_form(FORM_ROWS), encoding="utf-8")
    assert form_progress(tmp_path / "form.csv")["check"] == []
    pooled = pool_ready(tmp_path, pooling)["pain"]
    assert pooled["pooled"] and pooled["k"] == 2
    assert {Path(f).name for f in pooled["written"]} == {"results.json", "results.csv",
                                                         "forest.png", "forest.svg"}
    assert pool_ready(tmp_path, pooling)["pain"]["written"] == []  # same data, same bytes
    (tmp_path / "form.csv").write_text(_form(FORM_ROWS).replace("3.1,1.2", "2.1,1.2"),
                                       encoding="utf-8")
    changed = pool_ready(tmp_path, pooling)["pain"]  # a corrected value: new results
    assert "results.json" in {Path(f).name for f in changed["written"]}
    assert changed["estimate"] != pooled["estimate"]
    assert pool_ready(tmp_path, {}) == {}


def test_a_missing_source_fails_the_run_and_says_which(tmp_path, monkeypatch) -> None:
    from flows.review import run_review

    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    config = tmp_path / "protocol.toml"
    config.write_text('[review]\nname = "t"\n[sources.gone]\npath = "gone.ris"\n',
                      encoding="utf-8")
    directory = tmp_path / "review"
    init_review(directory, config=config)
    with pytest.raises(ReviewError, match=r"gone\.ris: no such file"):
        run_review(directory)
    with open_review(directory).open_store() as store:
        assert [(r.kind, r.status) for r in store.runs()] == [("review", "failed")]


def test_configured_api_url_comes_from_the_environment_or_the_profile(tmp_path) -> None:
    from flows.local_server import configured_api_url, running_server_url

    assert configured_api_url({"PREFECT_API_URL": "http://team:4200/api"}) == (
        "http://team:4200/api")
    assert configured_api_url({"PREFECT_HOME": str(tmp_path)}) is None
    (tmp_path / "profiles.toml").write_text(
        'active = "team"\n[profiles.team]\nPREFECT_API_URL = "http://team:4200/api"\n'
        '[profiles.local]\n', encoding="utf-8")
    assert configured_api_url({"PREFECT_HOME": str(tmp_path)}) == "http://team:4200/api"
    assert configured_api_url({"PREFECT_HOME": str(tmp_path), "PREFECT_PROFILE": "local"}) is None
    assert running_server_url(tmp_path) is None


def test_a_server_that_dies_at_start_is_an_error_with_its_log(tmp_path) -> None:
    from flows.local_server import LocalPrefectServer, ServerStartError

    home = tmp_path / ".prefect"
    home.mkdir()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:  # a state file left by a killed serve, naming a pid that is no Prefect server now
        (home / "server.json").write_text(json.dumps(
            {"api_url": "http://127.0.0.1:9/api", "pid": other.pid, "owner": 2**22 + 1}))
        server = LocalPrefectServer(home, timeout=30)
        server.command = lambda: [sys.executable, "-c", "print('no database here'); exit(3)"]
        with pytest.raises(ServerStartError, match=r"exited with code 3(.|\n)*no database here"):
            server.start()
        assert other.poll() is None  # left alone
    finally:
        other.kill()
        other.wait()
    assert server.process is None and not (home / "server.json").exists()


def _snapshot(directory: Path) -> dict:
    """Everything a run could add to the store or rewrite in the review directory."""
    with open_review(directory).open_store() as store:
        state = {
            "sources": [s.source_id for s in store.sources()],
            "links": [(link.record_a, link.record_b, link.outcome)
                      for link in store.latest_links()],
            "decisions": store.decision_counts(),
            "runs": [(r.kind, r.status) for r in store.runs() if r.kind != "review"],
        }
        from screening.store import votes as queue_sql

        with store.engine.connect() as conn:
            state["ranking"] = queue_sql.current_ranking(conn, "title_abstract")["ranking_id"]
    for name in ("prisma.svg", "prisma.png", "exports/included.csv", "extraction/form.xlsx"):
        path = directory / name
        state[name] = (path.stat().st_mtime_ns, path.read_bytes())
    return state


@pytest.mark.usefixtures("prefect_harness")
def test_review_flow_end_to_end_then_nothing_new(tmp_path, monkeypatch, capsys) -> None:
    from flows.review import review_flow
    from screening.cli import main
    from screening.prisma import check_counts, prisma_counts

    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    directory = tmp_path / "review"
    review, _ = init_review(directory, config=EXAMPLE)

    first = review_flow(str(directory))
    assert [(s["source"], s["records"]) for s in first["sources"]] == [("pubmed", 10),
                                                                        ("embase", 7)]
    assert (first["dedup"]["ran"], first["dedup"]["new_links"]) == (True, 4)
    assert first["ranking"]["rebuilt"] and first["prisma"]["draft"]
    assert first["stages"]["title_abstract"]["waiting"] == 13
    assert first["extraction"] == {"path": None, "created": False,
                                   "why": "no included studies yet"}
    assert not (directory / "exports" / "included.csv").exists()

    with review.open_store() as store:  # the reviewers' decisions, taken elsewhere
        import_decisions(store, DECISIONS, reasons=review.config.criteria.reasons,
                         timezone=review.config.review.timezone)
    capsys.readouterr()
    assert main(["run", str(directory)]) == 0
    printed = capsys.readouterr().out
    assert "Sources: nothing new; 2 of 2 already imported" in printed
    assert "Dedup: no new records since the last dedup" in printed
    assert "included 3 studies (4 reports)" in printed
    assert f"Included: 4 records in {directory / 'exports' / 'included.csv'}" in printed
    assert "form.xlsx (created): 8 of 8 rows left to fill" in printed
    assert "Stopping: Stopping rule (" in printed
    assert "no claim: the 12 title/abstract decisions were imported, not taken from a " \
        "litsieve ranking" in printed
    for name in ("prisma.svg", "prisma.png", "exports/included.csv", "extraction/form.xlsx"):
        assert (directory / name).stat().st_size > 0, name
    with review.open_store() as store:
        counts = prisma_counts(store, reason_labels=review.config.criteria.reasons)
        assert counts.pending == 0 and check_counts(counts) == []  # every record decided
    included = (directory / "exports" / "included.csv").read_text("utf-8").splitlines()
    assert included[0].startswith("record_id,source_file,line,database")
    assert len(included) == 5
    before = _snapshot(directory)

    assert main(["run", str(directory), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["changed"] == []
    assert not again["prisma"]["draft"] and again["prisma"]["written"] == []
    assert again["ranking"]["rebuilt"] is False and again["dedup"]["ran"] is False
    assert again["pooling"] == {} and again["conflicts"] == {}
    assert _snapshot(directory) == before  # nothing added, no file rewritten
    with review.open_store() as store:
        runs = store.runs(kind="review")
        assert [r.status for r in runs] == ["ok", "ok", "ok"]
        assert runs[-1].summary["changed"] == [] and runs[-1].parameters["update_pubmed"] is False


@pytest.mark.usefixtures("prefect_harness")
def test_the_pubmed_update_runs_first_and_its_failure_fails_the_flow(tmp_path,
                                                                      monkeypatch) -> None:
    from flows.review import review_flow
    from tests.fakes.eutils_server import FakeEutils
    from tests.screening.test_update import FIRST_DAY, INITIAL, make_review

    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    monkeypatch.delenv("LITSIEVE_EUTILS_URL", raising=False)
    with FakeEutils(INITIAL, rate_limit=False) as server:
        directory = make_review(tmp_path)
        summary = review_flow(str(directory), update_pubmed=True, today=FIRST_DAY,
                              base_url=server.base_url)
    [update] = summary["update"]
    assert (update["hits"], update["imported"], update["new_in_queue"]) == (60, 60, 60)
    assert summary["changed"][0] == "PubMed 2024-01-01 to 2024-03-30: 60 records imported"
    assert summary["stages"]["title_abstract"]["waiting"] == 60
    assert summary["dedup"] == {"ran": False, "why": "no new records since the last dedup"}
    from flows.review import deployment_options

    options = deployment_options(directory)  # what `litsieve serve` serves
    assert options == {"name": f"review-review-{open_review(directory).config.review.id}",
                       "cron": "0 6 * * 1", "parameters": {
                           "review_dir": str(directory.resolve()), "update_pubmed": True}}

    no_pubmed = tmp_path / "plain"
    init_review(no_pubmed)
    with pytest.raises(RuntimeError, match=r"the PubMed update did not complete"):
        review_flow(str(no_pubmed), update_pubmed=True)
    with open_review(no_pubmed).open_store() as store:  # the review's steps ran all the same
        assert [r.status for r in store.runs(kind="review")] == ["ok"]
    assert (no_pubmed / "prisma.svg").is_file()


@pytest.mark.usefixtures("prefect_harness")
def test_dedup_of_the_review_flow_on_a_dask_cluster(tmp_path, monkeypatch) -> None:
    from distributed import LocalCluster

    from flows.review import review_flow

    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    directory = tmp_path / "review"
    init_review(directory, config=EXAMPLE)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        summary = review_flow(str(directory), dask_address=cluster.scheduler_address)
    dedup = summary["dedup"]
    assert (dedup["duplicate_records"], dedup["new_links"], dedup["new_decisions"]) == (4, 4, 4)
    with open_review(directory).open_store() as store:
        [run] = store.runs(kind="review")
        assert run.parameters["dask_address"] == cluster.scheduler_address
