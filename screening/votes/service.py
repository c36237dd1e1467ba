"""The screening service: what a reviewer screens next, their votes, conflicts and the
lead's resolutions, agreement, progress and the audit trail, over the review's store.

Everything shared between requests lives in the store (claims, the queue, votes), so any
number of worker processes or hosts can serve one review. Each call that writes is one
transaction serialised per stage (:func:`screening.store.votes.locked`): a record is never
handed to more reviewers, nor decided by more votes, than ``[screening] votes`` asks, and
a failed call leaves no partial row.

A vote is a row of ``votes``; when the votes a record needs agree, the service writes the
row of ``decisions`` that PRISMA, the export and the ranker read (actor: the reviewer
whose vote completed it; note: ``votes: human:a include, human:b include``). Votes that
disagree are a conflict: the record stays undecided until the lead resolves it (a
decision of its own, actor the lead, note ``resolution: ...``). In blind mode, no answer
of this service shows a reviewer another's vote before the record is decided.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from screening.errors import ReviewError
from screening.model import Actor, Outcome, Stage
from screening.settings import ReviewConfig
from screening.store import DecisionRow, ReviewStore
from screening.store import votes as sql
from screening.store._common import utcnow
from screening.store.retractions import active_source
from screening.store.schema import queue, records, sources, votes
from screening.votes.agreement import AgreementRow, agreement
from screening.votes.consensus import CONFLICT, DECIDED, PENDING, Consensus, consensus, live_votes
from screening.votes.ranking import IMPORT_ORDER

__all__ = ["SCREENING_STAGES", "ScreeningService", "VoteError"]

#: The stages people screen in the web app.
SCREENING_STAGES = (Stage.TITLE_ABSTRACT.value, Stage.FULL_TEXT.value)
_OUTCOMES = {
    Stage.TITLE_ABSTRACT.value: ("include", "exclude", "maybe"),
    Stage.FULL_TEXT.value: ("include", "exclude", "maybe", "not_retrieved"),
}
_VOTES_NOTE = "votes: "
_RESOLUTION_NOTE = "resolution: "
_SOUGHT = (Outcome.INCLUDE.value, Outcome.MAYBE.value)
_BATCH = 200


class VoteError(ReviewError):
    """A vote or resolution the service refuses; ``status`` is the HTTP status to answer
    (409: the record has its votes already; 422: a bad outcome, reason or stage; 404: no
    such record)."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class QueueItem:
    record_id: str
    stage: str
    position: int
    remaining: int
    params_hash: str | None


@dataclass(frozen=True, slots=True)
class VoteResult:
    vote_id: int
    record_id: str
    stage: str
    state: str  # pending, decided or conflict
    decision_id: int | None = None


@dataclass(frozen=True)
class RecordView:
    """A record as a reviewer sees it, with only the votes blind mode lets them see."""

    record_id: str
    title: str
    abstract: str
    authors: tuple[str, ...]
    journal: str
    year: int | None
    keywords: tuple[str, ...]
    mesh: tuple[str, ...]
    emtree: tuple[str, ...]
    doi: str | None
    pmid: str | None
    databases: tuple[str, ...]
    stage: str
    state: str
    decision: dict[str, Any] | None
    my_vote: dict[str, Any] | None
    votes: tuple[dict[str, Any], ...] = ()
    votes_hidden: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class Conflict:
    record_id: str
    stage: str
    title: str
    votes: tuple[dict[str, Any], ...]

    def as_dict(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "stage": self.stage, "title": self.title,
                "votes": list(self.votes)}


@dataclass(frozen=True)
class StageProgress:
    stage: str
    decided: int
    remaining: int
    conflicts: int
    votes_required: int
    blind: bool
    by_reviewer: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuditRow:
    kind: str  # vote, withdraw, decision
    id: int
    record_id: str | None
    stage: str
    actor: str
    outcome: str
    reason: str | None
    note: str | None
    params_hash: str | None
    at: datetime

    def as_dict(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.__slots__}
        out["at"] = self.at.isoformat()
        return out


def _vote_dict(vote) -> dict[str, Any]:
    return {"reviewer_id": vote.reviewer_id, "outcome": vote.outcome, "reason": vote.reason,
            "note": vote.note, "voted_at": vote.voted_at.isoformat()}


def _check_stage(stage: str) -> str:
    stage = str(stage)
    if stage not in SCREENING_STAGES:
        raise VoteError(f"unknown stage {stage!r}; one of: {', '.join(SCREENING_STAGES)}")
    return stage


class ScreeningService:
    """Screening on one review's store (``config``: its litsieve.toml)."""

    def __init__(self, store: ReviewStore, config: ReviewConfig, *,
                 claim_minutes: float = 15.0) -> None:
        self.store = store
        self.config = config
        self.claim_for = timedelta(minutes=claim_minutes)

    # -- rules ----------------------------------------------------------------------------

    def votes_required(self, stage: str) -> int:
        return self.config.screening.votes_for(_check_stage(stage))

    def blind(self, stage: str) -> bool:
        return self.config.screening.blind_for(_check_stage(stage))

    def _check_vote(self, stage: str, outcome: str, reason: str | None) -> tuple[str, str | None]:
        outcome = str(outcome).strip().lower()
        if outcome not in _OUTCOMES[stage]:
            raise VoteError(f"outcome {outcome!r} is not possible at {stage}; one of: "
                            f"{', '.join(_OUTCOMES[stage])}")
        reason = (reason or "").strip() or None
        known = self.config.criteria.reasons
        if reason is not None and known and reason not in known:
            raise VoteError(f"unknown exclusion reason {reason!r}; known: {', '.join(known)}")
        if reason is not None and outcome != Outcome.EXCLUDE.value:
            raise VoteError(f"a reason goes with an exclusion, not with {outcome!r}")
        if stage == Stage.FULL_TEXT.value and outcome == Outcome.EXCLUDE.value and not reason:
            raise VoteError("a full-text exclusion needs a reason"
                            + (f"; one of: {', '.join(known)}" if known else ""))
        return outcome, reason

    # -- the queue ------------------------------------------------------------------------

    def _open_for(self, conn, stage: str, reviewer_id: str, ids: list[str],
                  claimed: Mapping[str, str]) -> list[str]:
        """Of ``ids`` (in order), those ``reviewer_id`` may take now."""
        required = self.votes_required(stage)
        decided = sql.effective_decisions(conn, stage, ids)
        duplicates = {r for r, d in sql.effective_decisions(conn, Stage.DEDUPLICATION,
                                                            ids).items()
                      if d.outcome == Outcome.DUPLICATE}
        rows = sql.vote_rows(conn, stage, ids)
        others = Counter(r for who, r in claimed.items() if who != reviewer_id)
        found = []
        for record_id in ids:
            if record_id in decided or record_id in duplicates:
                continue
            live = live_votes(rows.get((record_id, stage), []))
            if any(v.reviewer_id == reviewer_id for v in live):
                continue
            if len(live) + others[record_id] >= required:
                continue
            found.append(record_id)
        return found

    def _full_text_candidates(self, conn, after: int) -> list[tuple[int, str]]:
        """(position, record_id) of records sought for retrieval: latest title/abstract
        decision include or maybe, in the order they were decided."""
        ta = sql.effective_decisions(conn, Stage.TITLE_ABSTRACT)
        ordered = sorted((d.decision_id or 0, r) for r, d in ta.items()
                         if str(d.outcome) in _SOUGHT)
        return [(position, r) for position, (_, r) in enumerate(ordered, 1)
                if position > after][:_BATCH]

    def next_record(self, reviewer_id: str, stage: str) -> QueueItem | None:
        """Claim and return the next record ``reviewer_id`` should screen at ``stage`` (the
        one they hold already, if it is still open to them), or None when none is left."""
        stage = _check_stage(stage)
        with sql.locked(self.store.engine, f"queue:{stage}") as conn:
            sql.expire_claims(conn, utcnow() - self.claim_for)
            claimed = sql.claims_of(conn, stage)
            ranking = sql.current_ranking(conn, stage) if stage == Stage.TITLE_ABSTRACT else None
            if stage == Stage.TITLE_ABSTRACT and ranking is None:
                ranking = self._import_order(conn)
            mine = claimed.get(reviewer_id)
            if mine is not None and self._open_for(conn, stage, reviewer_id, [mine],
                                                   claimed):
                chosen = mine
            else:
                chosen = self._first_open(conn, stage, reviewer_id, ranking, claimed)
            sql.claim(conn, stage, reviewer_id, chosen)
            if chosen is None:
                return None
            position, remaining = self._place(conn, stage, ranking, chosen)
        return QueueItem(chosen, stage, position, remaining,
                         None if ranking is None or ranking["actor"] == IMPORT_ORDER
                         else ranking["params_hash"])

    def _first_open(self, conn, stage, reviewer_id, ranking, claimed) -> str | None:
        after = 0
        while True:
            if ranking is not None:
                batch = sql.queue_candidates(conn, ranking["ranking_id"], after=after,
                                             limit=_BATCH)
            else:
                batch = self._full_text_candidates(conn, after)
            if not batch:
                return None
            found = self._open_for(conn, stage, reviewer_id, [r for _, r in batch], claimed)
            if found:
                return found[0]
            after = batch[-1][0]

    def _place(self, conn, stage, ranking, record_id) -> tuple[int, int]:
        if ranking is None:
            candidates = self._full_text_candidates(conn, 0)
            ft = sql.effective_decisions(conn, stage)
            open_ids = [r for _, r in candidates if r not in ft]
            return (open_ids.index(record_id) + 1 if record_id in open_ids else 0,
                    len(open_ids))
        q = queue.c
        position = conn.execute(sa.select(q.position).where(
            q.ranking_id == ranking["ranking_id"], q.record_id == record_id)).scalar() or 0
        return int(position), sql.queue_remaining(conn, ranking["ranking_id"])

    def _import_order(self, conn) -> dict[str, Any]:
        """The first queue, in import order, made inside the caller's transaction."""
        dedup = sql.effective_decisions(conn, Stage.DEDUPLICATION)
        duplicates = {r for r, d in dedup.items() if d.outcome == Outcome.DUPLICATE}
        decided = sql.effective_decisions(conn, Stage.TITLE_ABSTRACT)
        r, s = records.c, sources.c
        ids = [i for (i,) in conn.execute(
            sa.select(r.record_id).join_from(records, sources, r.source_id == s.source_id)
            .where(r.status == "ok", active_source(r.source_id))
            .order_by(s.imported_at, s.source_id, r.ordinal)) if i not in duplicates]
        sql.create_ranking(
            conn, stage=Stage.TITLE_ABSTRACT, actor=IMPORT_ORDER, params_hash=IMPORT_ORDER,
            n_included=0, n_excluded=0, rows=[(i, None, i in decided) for i in ids])
        return sql.current_ranking(conn, Stage.TITLE_ABSTRACT)

    # -- votes ----------------------------------------------------------------------------

    def _record_in_stage(self, conn, record_id: str, stage: str) -> None:
        found = conn.execute(sa.select(records.c.status).where(
            records.c.record_id == record_id, active_source(records.c.source_id))).scalar()
        if found is None:
            raise VoteError(f"no record {record_id!r} in this review", 404)
        if found != "ok":
            raise VoteError(f"record {record_id} could not be read at import; it is not "
                            "screened")
        dedup = sql.effective_decisions(conn, Stage.DEDUPLICATION, [record_id])
        if record_id in dedup and dedup[record_id].outcome == Outcome.DUPLICATE:
            raise VoteError(f"record {record_id} was removed as a duplicate of "
                            f"{dedup[record_id].duplicate_of}; screen that record instead")
        if stage == Stage.FULL_TEXT:
            ta = sql.effective_decisions(conn, Stage.TITLE_ABSTRACT, [record_id]).get(record_id)
            if ta is None or str(ta.outcome) not in _SOUGHT:
                raise VoteError(f"record {record_id} is not at the full-text stage (its "
                                "title/abstract decision is "
                                f"{'missing' if ta is None else ta.outcome})")

    def vote(self, reviewer_id: str, record_id: str, stage: str, outcome: str, *,
             reason: str | None = None, note: str | None = None,
             params_hash: str | None = None) -> VoteResult:
        """Record ``reviewer_id``'s vote (a repeated vote replaces their earlier one, as a
        new row) and, when the votes the record needs agree, its decision."""
        stage = _check_stage(stage)
        outcome, reason = self._check_vote(stage, outcome, reason)
        note = (note or "").strip() or None
        with sql.locked(self.store.engine, f"queue:{stage}") as conn:
            self._record_in_stage(conn, record_id, stage)
            before = live_votes(sql.vote_rows(conn, stage, [record_id]).get((record_id, stage),
                                                                             []))
            already = any(v.reviewer_id == reviewer_id for v in before)
            decided = sql.effective_decisions(conn, stage, [record_id]).get(record_id)
            if not already and (len(before) >= self.votes_required(stage)
                                or (decided is not None and not _by_votes(decided))):
                raise VoteError(f"record {record_id} has the votes it needs at {stage}", 409)
            vote_id = sql.insert_vote(conn, record_id=record_id, stage=stage,
                                      reviewer_id=reviewer_id, kind="vote", outcome=outcome,
                                      reason=reason, note=note, params_hash=params_hash)
            state, decision_id = self._settle(conn, record_id, stage)
            sql.claim(conn, stage, reviewer_id, None)
        return VoteResult(vote_id, record_id, stage, state, decision_id)

    def live_vote(self, reviewer_id: str, record_id: str, stage: str):
        """``reviewer_id``'s current vote on a record at ``stage`` (a LiveVote), or None."""
        stage = _check_stage(stage)
        with self.store.engine.connect() as conn:
            rows = sql.vote_rows(conn, stage, [record_id]).get((record_id, stage), [])
        return next((v for v in live_votes(rows) if v.reviewer_id == reviewer_id), None)

    def decision(self, record_id: str, stage: str) -> DecisionRow | None:
        """The record's decision at ``stage`` (what every count reads), or None."""
        with self.store.engine.connect() as conn:
            return sql.effective_decisions(conn, _check_stage(stage), [record_id]).get(record_id)

    def withdraw_last(self, reviewer_id: str, stage: str) -> VoteResult | None:
        """Take back ``reviewer_id``'s latest live vote at ``stage`` (undo); the record is
        theirs to screen again. None when they have no vote to take back."""
        stage = _check_stage(stage)
        with sql.locked(self.store.engine, f"queue:{stage}") as conn:
            rows = conn.execute(sa.select(votes.c.record_id).where(
                votes.c.reviewer_id == reviewer_id, votes.c.stage == stage)
                .order_by(votes.c.vote_id.desc()).limit(50)).scalars().all()
            for record_id in dict.fromkeys(rows):
                live = live_votes(sql.vote_rows(conn, stage, [record_id])
                                  .get((record_id, stage), []))
                mine = [v for v in live if v.reviewer_id == reviewer_id]
                if not mine:
                    continue
                decided = sql.effective_decisions(conn, stage, [record_id]).get(record_id)
                if decided is not None and not _by_votes(decided):
                    raise VoteError(f"record {record_id} was decided by "
                                    f"{decided.actor}; your vote can no longer be taken back",
                                    409)
                vote_id = sql.insert_vote(conn, record_id=record_id, stage=stage,
                                          reviewer_id=reviewer_id, kind="withdraw",
                                          outcome=mine[0].outcome)
                state, decision_id = self._settle(conn, record_id, stage)
                sql.claim(conn, stage, reviewer_id, record_id)
                return VoteResult(vote_id, record_id, stage, state, decision_id)
        return None

    def _settle(self, conn, record_id: str, stage: str) -> tuple[str, int | None]:
        """Bring the record's decision in line with its live votes; (state, decision id)."""
        live = live_votes(sql.vote_rows(conn, stage, [record_id]).get((record_id, stage), []))
        found = consensus(live, self.votes_required(stage))
        current = sql.effective_decisions(conn, stage, [record_id]).get(record_id)
        if found.state == DECIDED:
            if (current is not None and str(current.outcome) == found.outcome
                    and current.reason == found.reason):
                return DECIDED, current.decision_id
            deciding = found.deciding
            assert deciding is not None
            row = DecisionRow(
                record_id=record_id, stage=stage, outcome=found.outcome, reason=found.reason,
                actor=Actor.human(deciding.reviewer_id), params_hash=deciding.params_hash,
                note=_VOTES_NOTE + ", ".join(f"human:{v.reviewer_id} {v.outcome}"
                                             for v in found.votes))
            decision_id = sql.add_decision(conn, row)
            sql.mark_done(conn, stage, record_id, True)
            return DECIDED, decision_id
        if current is not None and _by_votes(current):
            row = DecisionRow(record_id=record_id, stage=stage, outcome=Outcome.WITHDRAWN,
                              actor=current.actor,
                              note=_VOTES_NOTE + "a vote was taken back")
            sql.add_decision(conn, row)
            sql.mark_done(conn, stage, record_id, False)
        return found.state, None

    # -- conflicts ------------------------------------------------------------------------

    def _states(self, conn, stage: str) -> dict[str, Consensus]:
        rows = sql.vote_rows(conn, stage)
        required = self.votes_required(stage)
        return {record_id: consensus(live_votes(vs), required)
                for (record_id, _), vs in rows.items()}

    def conflicts(self, stage: str | None = None) -> list[Conflict]:
        """Records whose votes disagree and that nobody has decided since."""
        found = []
        stages = SCREENING_STAGES if stage is None else (_check_stage(stage),)
        with self.store.engine.connect() as conn:
            for s in stages:
                decided = sql.effective_decisions(conn, s)
                for record_id, state in self._states(conn, s).items():
                    if state.state == CONFLICT and record_id not in decided:
                        found.append((s, record_id, state))
        titles = self.store.records_by_id([r for _, r, _ in found])
        return [Conflict(record_id, s, (titles[record_id].title or "") if record_id in titles
                         else "", tuple(_vote_dict(v) for v in state.votes))
                for s, record_id, state in found]

    def resolve(self, lead_id: str, record_id: str, stage: str, outcome: str, *,
                reason: str | None = None, note: str | None = None) -> int:
        """The lead's decision on a conflict (a decision of its own); returns its id."""
        stage = _check_stage(stage)
        outcome, reason = self._check_vote(stage, outcome, reason)
        with sql.locked(self.store.engine, f"queue:{stage}") as conn:
            self._record_in_stage(conn, record_id, stage)
            live = live_votes(sql.vote_rows(conn, stage, [record_id]).get((record_id, stage),
                                                                          []))
            state = consensus(live, self.votes_required(stage))
            if state.state != CONFLICT:
                raise VoteError(f"record {record_id} has no conflict at {stage} "
                                f"(its votes are {state.state})", 409)
            text = _RESOLUTION_NOTE + ", ".join(f"human:{v.reviewer_id} {v.outcome}"
                                                for v in live)
            if note:
                text += f"; {note.strip()}"
            decision_id = sql.add_decision(conn, DecisionRow(
                record_id=record_id, stage=stage, outcome=outcome, reason=reason,
                actor=Actor.human(lead_id), note=text))
            sql.mark_done(conn, stage, record_id, True)
        return decision_id

    # -- what a reviewer sees ---------------------------------------------------------------

    def record_view(self, record_id: str, viewer_id: str, stage: str, *,
                    viewer_is_lead: bool = False) -> RecordView:
        """The record at ``stage`` for ``viewer_id``: other reviewers' votes only when the
        stage is not blind, the record is decided, or (for the lead) it is in conflict."""
        stage = _check_stage(stage)
        record = self.store.records_by_id([record_id]).get(record_id)
        if record is None:
            raise VoteError(f"no record {record_id!r} in this review", 404)
        with self.store.engine.connect() as conn:
            live = live_votes(sql.vote_rows(conn, stage, [record_id]).get((record_id, stage),
                                                                          []))
            decision = sql.effective_decisions(conn, stage, [record_id]).get(record_id)
        state = consensus(live, self.votes_required(stage))
        mine = [v for v in live if v.reviewer_id == viewer_id]
        others = [v for v in live if v.reviewer_id != viewer_id]
        visible = (not self.blind(stage) or decision is not None
                   or (viewer_is_lead and state.state == CONFLICT))
        status = "decided" if decision is not None else (
            CONFLICT if state.state == CONFLICT else PENDING)
        if status == CONFLICT and not visible:
            status = PENDING  # a conflict tells what the other vote was
        return RecordView(
            record_id=record_id, title=record.title or "", abstract=record.abstract or "",
            authors=tuple(record.authors), journal=record.journal or "", year=record.year,
            keywords=tuple(record.keywords), mesh=tuple(record.mesh),
            emtree=tuple(record.emtree), doi=record.doi, pmid=record.pmid,
            databases=self._cluster_databases(record_id, record), stage=stage, state=status,
            decision=None if decision is None or not visible and not mine else {
                "outcome": str(decision.outcome), "reason": decision.reason,
                "actor": decision.actor},
            my_vote=_vote_dict(mine[0]) if mine else None,
            votes=tuple(_vote_dict(v) for v in others) if visible else (),
            votes_hidden=bool(others) and not visible)

    def _cluster_databases(self, record_id: str, record) -> tuple[str, ...]:
        linked = {record_id}
        for link in self.store.latest_links(outcome="duplicate", record_ids=[record_id]):
            linked |= {link.record_a, link.record_b}
        found = self.store.records_by_id(linked) if len(linked) > 1 else {record_id: record}
        return tuple(sorted({str(r.source.database) for r in found.values()
                             if r.source.database}))

    # -- the lead's views -----------------------------------------------------------------------

    def agreement(self) -> list[AgreementRow]:
        """Cohen's kappa and percent agreement per pair of reviewers and stage."""
        with self.store.engine.connect() as conn:
            rows = sql.vote_rows(conn, None)
        return agreement((stage, record_id, v.reviewer_id, v.outcome)
                         for (record_id, stage), vs in rows.items() for v in live_votes(vs))

    def progress(self) -> list[StageProgress]:
        """Per stage: records decided, still open, in conflict, and votes per reviewer."""
        found = []
        with self.store.engine.connect() as conn:
            for stage in SCREENING_STAGES:
                decided = sql.effective_decisions(conn, stage)
                states = self._states(conn, stage)
                if stage == Stage.TITLE_ABSTRACT:
                    ranking = sql.current_ranking(conn, stage)
                    total = ranking["n_records"] if ranking else len(
                        [r for r in self.store.record_keys() if r.status == "ok"])
                    open_ = max(total - len(decided), 0) if ranking is None else \
                        sql.queue_counts(conn, ranking["ranking_id"])[1]
                else:
                    ta = sql.effective_decisions(conn, Stage.TITLE_ABSTRACT)
                    sought = {r for r, d in ta.items() if str(d.outcome) in _SOUGHT}
                    open_ = len(sought - set(decided))
                by_reviewer: Counter[str] = Counter()
                for state in states.values():
                    for vote in state.votes:
                        by_reviewer[vote.reviewer_id] += 1
                conflicts = sum(1 for r, s in states.items()
                                if s.state == CONFLICT and r not in decided)
                found.append(StageProgress(stage, len(decided), open_, conflicts,
                                           self.votes_required(stage), self.blind(stage),
                                           dict(sorted(by_reviewer.items()))))
        return found

    def audit(self, *, reviewer: str | None = None, stage: str | None = None) -> list[AuditRow]:
        """Every vote, withdrawal and screening decision, oldest first."""
        rows: list[AuditRow] = []
        stages = SCREENING_STAGES if stage is None else (_check_stage(stage),)
        with self.store.engine.connect() as conn:
            query = sa.select(votes).order_by(votes.c.vote_id).where(votes.c.stage.in_(stages))
            if reviewer is not None:
                query = query.where(votes.c.reviewer_id == reviewer)
            for v in conn.execute(query).mappings():
                rows.append(AuditRow(v["kind"], int(v["vote_id"]), v["record_id"], v["stage"],
                                     Actor.human(v["reviewer_id"]), v["outcome"], v["reason"],
                                     v["note"], v["params_hash"], v["voted_at"]))
        for s in stages:
            for d in self.store.decision_history(stage=s):
                if reviewer is not None and d.actor != Actor.human(reviewer):
                    continue
                rows.append(AuditRow("decision", int(d.decision_id or 0), d.record_id, s,
                                     d.actor, str(d.outcome), d.reason, d.note, d.params_hash,
                                     d.decided_at or utcnow()))
        return sorted(rows, key=lambda r: (r.at, r.kind != "vote", r.id))

    # -- stopping and automation -----------------------------------------------------------

    def stopping(self):
        """What the stopping rule says now (:class:`screening.rank.status.StoppingStatus`)."""
        from screening.votes.automation import stopping_verdict

        return stopping_verdict(self.store)

    def approve_automation(self, lead_id: str) -> int:
        """The lead's approval: exclude the rest of the title/abstract queue by automation
        when the stopping rule allows it; returns how many records. VoteError (409) when
        it does not."""
        from screening.votes.automation import approve_automation

        return approve_automation(self.store, lead_id)

    # -- PRISMA ---------------------------------------------------------------------------

    def _counts(self):
        from screening.prisma import prisma_counts

        return prisma_counts(self.store, **_prisma_options(self.config))

    def prisma_json(self) -> dict[str, Any]:
        """The same JSON as ``litsieve prisma --format json``."""
        import json

        from screening.prisma import counts_to_json

        return json.loads(counts_to_json(self._counts()))

    def prisma_svg(self) -> str:
        """The PRISMA 2020 diagram as SVG text (marked as a draft while counts do not add
        up, as screening goes on)."""
        import io

        from screening.prisma import check_counts, write_diagram

        counts = self._counts()
        buffer = io.BytesIO()
        write_diagram(counts, buffer, format="svg", draft=bool(check_counts(counts)))
        return buffer.getvalue().decode("utf-8")


def _by_votes(decision: DecisionRow) -> bool:
    """Whether the service wrote ``decision`` from agreeing votes (not the lead, not an
    import, not a model)."""
    return (decision.note or "").startswith(_VOTES_NOTE)


def _prisma_options(config: ReviewConfig) -> dict[str, Any]:
    return {"source_kinds": dict(config.prisma.source_kinds),
            "previous_studies": config.prisma.previous_studies,
            "previous_reports": config.prisma.previous_reports,
            "reason_labels": dict(config.criteria.reasons)}
