"""Links: deduplication decisions about pairs of records (append-only).

A pair's current state is its latest link. The engine writes links with its rule id
and scores (actor ``model:litsieve-dedup@<version>``); a person confirming or undoing a
link writes a new one (actor ``human:<id>``, rule ``human``, ``replaces`` the link
overruled). Nothing is ever updated or deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from screening.errors import StoreError
from screening.store._common import dumps, loads
from screening.store.retractions import active_record
from screening.store.schema import links

__all__ = ["LINK_OUTCOMES", "LinkRow", "latest_links_query"]

LINK_OUTCOMES = ("duplicate", "maybe", "distinct")


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkRow:
    """One row of ``links``. ``record_a < record_b`` (the constructor orders them)."""

    record_a: str
    record_b: str
    outcome: str
    rule_id: str
    actor: str
    scores: Mapping[str, float] = field(default_factory=dict)
    params_hash: str | None = None
    run_id: str | None = None
    replaces: int | None = None
    link_id: int | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.outcome not in LINK_OUTCOMES:
            raise StoreError(
                f"unknown link outcome {self.outcome!r}; one of: {', '.join(LINK_OUTCOMES)}"
            )
        if self.record_a == self.record_b:
            raise StoreError(f"a record cannot be linked to itself ({self.record_a})")
        if self.record_a > self.record_b:
            a, b = self.record_b, self.record_a
            object.__setattr__(self, "record_a", a)
            object.__setattr__(self, "record_b", b)
        if not (self.actor.startswith("human:") or self.actor.startswith("model:")):
            raise StoreError(f"actor {self.actor!r} must be human:<id> or model:<name>@<version>")

    def to_row(self, now: datetime) -> dict[str, Any]:
        return {
            "record_a": self.record_a, "record_b": self.record_b, "outcome": self.outcome,
            "rule_id": self.rule_id, "scores": dumps(dict(self.scores)) if self.scores else None,
            "actor": self.actor, "params_hash": self.params_hash, "run_id": self.run_id,
            "created_at": now, "replaces": self.replaces,
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> LinkRow:
        return cls(
            record_a=row["record_a"], record_b=row["record_b"], outcome=row["outcome"],
            rule_id=row["rule_id"], actor=row["actor"],
            scores=loads(row["scores"]) if row["scores"] else {},
            params_hash=row["params_hash"], run_id=row["run_id"], replaces=row["replaces"],
            link_id=row["link_id"], created_at=row["created_at"],
        )


def latest_links_query(record_ids: Iterable[str] | None = None) -> sa.Select:
    """The latest link of every pair (highest link_id: links are append-only); pairs with
    a record of a retracted source are left out; ``record_ids``: only the pairs holding one
    of them."""
    newest = sa.select(sa.func.max(links.c.link_id).label("link_id"))
    if record_ids is not None:  # only the pairs with one of these records (by the indexes)
        ids = list(record_ids)
        newest = newest.where(sa.or_(links.c.record_a.in_(ids), links.c.record_b.in_(ids)))
    newest = newest.group_by(links.c.record_a, links.c.record_b).subquery()
    return (
        sa.select(links)
        .join(newest, links.c.link_id == newest.c.link_id)
        .where(active_record(links.c.record_a), active_record(links.c.record_b))
        .order_by(links.c.link_id)
    )
