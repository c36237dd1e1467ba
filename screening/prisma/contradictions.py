"""Screening decisions that contradict a record's earlier stages, so PRISMA cannot count them.

PRISMA walks a record's stages in order (:mod:`screening.prisma.counts`): a record removed
before screening (unparseable, a duplicate of the record kept, marked ineligible by
automation tools) never reaches title/abstract screening, and a record reaches full text
only when its latest title/abstract decision (of any reviewer) is an include or a maybe.
Records identified by other methods skip title/abstract screening, so for them only a
title/abstract exclusion rules a full-text decision out.

A title/abstract or full-text decision about a stage its record never reached is not
counted. :func:`contradiction` says why; ``litsieve decisions import`` refuses such rows
and ``litsieve prisma`` lists the ones already stored (:class:`IgnoredDecision`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from screening.model import Outcome, Stage
from screening.prisma.kinds import SourceKind
from screening.store import STATUS_UNPARSEABLE, DecisionRow, RecordKey

__all__ = [
    "AUTOMATION",
    "Contradiction",
    "DUPLICATE",
    "EXCLUDED",
    "IgnoredDecision",
    "STAGE_WORDS",
    "UNPARSEABLE",
    "UNSCREENED",
    "cite_decision",
    "contradiction",
]

#: How messages name the screening stages.
STAGE_WORDS: Mapping[Stage, str] = {
    Stage.TITLE_ABSTRACT: "title/abstract",
    Stage.FULL_TEXT: "full-text",
}

#: The kinds of contradiction (values are a data contract: they are in the PRISMA JSON).
UNPARSEABLE = "unparseable"
DUPLICATE = "duplicate"
AUTOMATION = "excluded_automatic"
EXCLUDED = "excluded_title_abstract"
UNSCREENED = "no_title_abstract"


def _day(row: DecisionRow) -> str:
    return f" on {row.decided_at.date().isoformat()}" if row.decided_at is not None else ""


def cite_decision(row: DecisionRow) -> str:
    """``decision 12 by human:ann on 2026-01-03``: a stored decision, as messages name it."""
    if row.decision_id is None:
        return f"a decision by {row.actor}{_day(row)}"
    return f"decision {row.decision_id} by {row.actor}{_day(row)}"


@dataclass(frozen=True, slots=True)
class Contradiction:
    """Why a decision is not counted: ``kind`` (a constant of this module), ``why`` (the
    record ..., e.g. ``was excluded at title/abstract (decision 12 by ...)``) and the
    decision it contradicts (None when it contradicts the absence of one)."""

    kind: str
    why: str
    against: DecisionRow | None = None


def contradiction(
    key: RecordKey,
    kind: SourceKind,
    latest: Mapping[Stage, DecisionRow],
    stage: Stage | str,
    *,
    cite: Callable[[DecisionRow], str] = cite_decision,
) -> Contradiction | None:
    """Why a decision at ``stage`` (title/abstract or full text) about record ``key`` is not
    counted, given the record's latest decision per stage (``latest``); None when it is.

    The same order as :func:`screening.prisma.counts.record_fate`. ``cite`` names the
    decision contradicted (default :func:`cite_decision`).
    """
    ident = latest.get(Stage.IDENTIFICATION)
    dedup = latest.get(Stage.DEDUPLICATION)
    if key.status == STATUS_UNPARSEABLE:
        return Contradiction(UNPARSEABLE, "is unparseable (quarantined at import) and was "
                             "removed before screening")
    if ident is not None and ident.outcome == Outcome.UNPARSEABLE:
        return Contradiction(UNPARSEABLE, f"was removed before screening as unparseable "
                             f"({cite(ident)})", ident)
    if dedup is not None and dedup.outcome == Outcome.DUPLICATE:
        of = f" of {dedup.duplicate_of}" if dedup.duplicate_of else ""
        return Contradiction(DUPLICATE, f"was removed by deduplication as a duplicate{of} "
                             f"({cite(dedup)})", dedup)
    if ident is not None and ident.outcome == Outcome.EXCLUDED_AUTOMATION:
        return Contradiction(AUTOMATION, f"was marked ineligible by automation tools before "
                             f"screening ({cite(ident)})", ident)
    if Stage(stage) != Stage.FULL_TEXT:
        return None
    screen = latest.get(Stage.TITLE_ABSTRACT)
    if screen is None:
        if kind.via_databases:
            return Contradiction(UNSCREENED, "has no title/abstract decision")
        return None
    if screen.outcome in (Outcome.EXCLUDE, Outcome.EXCLUDED_AUTOMATION):
        return Contradiction(EXCLUDED, f"was excluded at title/abstract ({cite(screen)})",
                             screen)
    return None


@dataclass(frozen=True, slots=True)
class IgnoredDecision:
    """A record's latest title/abstract or full-text decision that PRISMA does not count,
    and why (see :func:`contradiction`)."""

    decision: DecisionRow
    kind: str
    why: str

    @property
    def record_id(self) -> str:
        return str(self.decision.record_id)

    @property
    def stage(self) -> Stage:
        return Stage(self.decision.stage)

    def __str__(self) -> str:
        d = self.decision
        number = f" {d.decision_id}" if d.decision_id is not None else ""
        return (f"record {d.record_id}: {STAGE_WORDS[self.stage]} decision{number} "
                f"({d.outcome} by {d.actor}{_day(d)}) is not counted: the record {self.why}")

    def to_json(self) -> dict[str, object]:
        """The decision and why it is not counted, for the PRISMA JSON."""
        d = self.decision
        return {
            "record_id": d.record_id,
            "stage": str(d.stage),
            "decision_id": d.decision_id,
            "outcome": str(d.outcome),
            "actor": d.actor,
            "decided_at": d.decided_at.isoformat() if d.decided_at is not None else None,
            "contradiction": self.kind,
            "message": str(self),
        }
