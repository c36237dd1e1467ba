"""The stopping rule in the web app's terms, and the lead's approval of excluding the rest
of the queue by automation (reported by PRISMA as excluded by automation tools)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from screening.ingest import import_file
from screening.prisma import prisma_counts
from screening.settings import parse_config
from screening.votes.automation import stopping_verdict
from screening.votes.ranking import retrain_if_due
from screening.votes.service import ScreeningService, VoteError

TA = "title_abstract"
WORDS = ("ketamine pain trial opioid nerve block infusion dose cohort survey rats mice "
         "depression anaesthesia surgery children adults placebo saline lidocaine").split()


def synthetic_ris(path: Path, n: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            title = " ".join(rng.choice(WORDS) for _ in range(8)) + f" study {i}"
            out.write(f"TY  - JOUR\nTI  - {title}\nAU  - Author {i}\nPY  - 2020\n"
                      f"AB  - {title} abstract\nER  - \n\n")


@pytest.fixture
def svc(store, tmp_path: Path) -> ScreeningService:
    path = tmp_path / "records.ris"
    synthetic_ris(path, 120)
    run = store.begin_run("import", {})
    import_file(store, path, run_id=run, database="Embase")
    store.finish_run(run, "ok")
    store.add_account("ann", "Ann", role="reviewer", password="password1")
    store.add_account("lea", "Lea", role="lead", password="password1")
    return ScreeningService(store, parse_config('[review]\nname = "auto"\n'))


def screen(svc: ScreeningService, n: int, include: set[int], *, rank_after: int = 1) -> None:
    for i in range(n):
        item = svc.next_record("ann", TA)
        svc.vote("ann", item.record_id, TA, "include" if i in include else "exclude",
                 params_hash=item.params_hash)
        if i == rank_after:  # the ranker takes over from import order
            assert retrain_if_due(svc.store, retrain_every=1000) is not None


def test_no_claim_without_ranked_decisions(svc) -> None:
    verdict = stopping_verdict(svc.store)
    assert not verdict.claim and verdict.reason == "no record is screened yet"
    assert "no claim: no record is screened yet" in verdict.summary()
    with pytest.raises(VoteError, match="does not support stopping now") as caught:
        svc.approve_automation("lea")
    assert caught.value.status == 409


def test_the_lead_excludes_the_rest_once_the_rule_allows(svc) -> None:
    screen(svc, 20, include={0, 3})
    early = svc.stopping()
    assert early.claim and not early.stop and "nan" not in early.summary()
    with pytest.raises(VoteError, match="continue screening"):
        svc.approve_automation("lea")
    screen(svc, 96, include=set(), rank_after=-1)  # 116 of 120 screened, the last 113 irrelevant
    verdict = svc.stopping()
    assert verdict.stop, verdict.summary()
    excluded = svc.approve_automation("lea")
    assert excluded == 4
    assert svc.next_record("ann", TA) is None
    counts = prisma_counts(svc.store)
    assert (counts.records_screened, counts.records_excluded_automation) == (120, 4)
    assert counts.records_excluded_human == 114
    automated = [d for d in svc.store.latest_record_decisions(stage=TA)
                 if str(d.outcome) == "excluded_automation"]
    assert len(automated) == 4 and all(d.actor.startswith("model:") for d in automated)
    note = json.loads(automated[0].note)
    assert note["approved_by"] == "human:lea" and note["rule"]["stop"] is True
    assert note["rule"]["p_value"] < 0.05
