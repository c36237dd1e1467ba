"""The update flow runs every step as a task against the fake E-utilities server."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.review_dir import open_review
from screening.update import queue_size
from tests.fakes.eutils_server import FakeEutils
from tests.screening.test_update import FIRST_DAY, INITIAL, make_review


@pytest.mark.usefixtures("prefect_harness")
def test_update_review_flow_end_to_end(tmp_path, monkeypatch) -> None:
    from flows.update import deployment_options, update_review

    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    monkeypatch.delenv("LITSIEVE_EUTILS_URL", raising=False)
    with FakeEutils(INITIAL, rate_limit=False) as server:
        directory = make_review(tmp_path)
        [result] = update_review(str(directory), today=FIRST_DAY, base_url=server.base_url)
        assert (result["mindate"], result["maxdate"]) == ("2024-01-01", "2024-03-30")
        assert (result["hits"], result["imported"], result["new_in_queue"]) == (60, 60, 60)
        assert result["prisma"].endswith("prisma-2024-03-30.png")
        assert Path(result["prisma"]).stat().st_size > 10_000
        assert update_review(str(directory), today=FIRST_DAY, base_url=server.base_url) == []
    with open_review(directory).open_store() as store:
        assert queue_size(store) == 60
        assert [r.status for r in store.runs(kind="update")] == ["ok"]
    assert (directory / "updates" / "report-2024-03-30.md").is_file()
    options = deployment_options(directory)
    assert options["cron"] == "0 6 * * 1"
    assert options["parameters"] == {"review_dir": str(directory.resolve())}
    deployment = update_review.to_deployment(**options)
    assert deployment.name == options["name"]


def test_serve_comes_from_the_flows_plugin_and_checks_the_config(tmp_path: Path, capsys,
                                                                 monkeypatch) -> None:
    """`litsieve serve` is added by flows.cli (entry point); a review without [pubmed] fails
    before Prefect starts."""
    from screening.cli import main

    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    review = tmp_path / "review"
    assert main(["init", str(review)]) == 0
    capsys.readouterr()
    assert main(["serve", str(review)]) == 1
    assert "[pubmed]" in capsys.readouterr().err


@pytest.mark.usefixtures("prefect_harness")
def test_two_scheduled_runs_grow_the_queue_by_the_new_studies_only(tmp_path, monkeypatch) -> None:
    """Second run: 50 new PubMed records, 10 of them already in the review (imported from
    Embase in between): the queue grows by exactly 40."""
    from flows.update import update_review
    from tests.screening.test_update import SECOND_DAY, grow, import_embase

    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    monkeypatch.delenv("LITSIEVE_EUTILS_URL", raising=False)
    with FakeEutils(INITIAL, rate_limit=False) as server:
        directory = make_review(tmp_path)
        update_review(str(directory), today=FIRST_DAY, base_url=server.base_url)
        import_embase(directory)
        with open_review(directory).open_store() as store:
            before = queue_size(store)
        grow(server)
        [second] = update_review(str(directory), today=SECOND_DAY, base_url=server.base_url)
    assert (second["hits"], second["duplicates"], second["new_in_queue"]) == (50, 10, 40)
    with open_review(directory).open_store() as store:
        assert queue_size(store) == before + 40
