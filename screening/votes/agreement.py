"""Agreement between reviewers: Cohen's kappa and percent agreement per pair and stage.

Computed over the records both reviewers voted on (each one's latest live vote), with
the counts behind it, so a lead can check the kappa by hand.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

__all__ = ["AgreementRow", "agreement"]


@dataclass(frozen=True, slots=True)
class AgreementRow:
    stage: str
    reviewer_a: str
    reviewer_b: str
    n: int
    n_agree: int
    percent: float | None
    kappa: float | None
    #: (a's outcome, b's outcome) -> records
    table: dict[tuple[str, str], int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"stage": self.stage, "reviewer_a": self.reviewer_a,
                "reviewer_b": self.reviewer_b, "n": self.n, "n_agree": self.n_agree,
                "percent": self.percent, "kappa": self.kappa,
                "table": {f"{a}/{b}": n for (a, b), n in sorted(self.table.items())}}


def _kappa(pairs: list[tuple[str, str]]) -> float | None:
    """Cohen's kappa; None when it is undefined (both reviewers gave one same outcome
    throughout: chance agreement is 1)."""
    from sklearn.metrics import cohen_kappa_score

    labels = sorted({x for pair in pairs for x in pair})
    if len(labels) < 2:
        return None
    first, second = zip(*pairs, strict=True)
    value = float(cohen_kappa_score(first, second, labels=labels))
    return None if value != value else value  # NaN: undefined


def agreement(votes: Iterable[tuple[str, str, str, str]]) -> list[AgreementRow]:
    """One row per stage and pair of reviewers, from (stage, record_id, reviewer_id,
    outcome) live votes."""
    by_stage: dict[str, dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    for stage, record_id, reviewer_id, outcome in votes:
        by_stage[stage][reviewer_id][record_id] = outcome
    rows = []
    for stage in sorted(by_stage):
        reviewers = by_stage[stage]
        for a, b in combinations(sorted(reviewers), 2):
            shared = sorted(set(reviewers[a]) & set(reviewers[b]))
            if not shared:
                continue
            pairs = [(reviewers[a][r], reviewers[b][r]) for r in shared]
            agree = sum(x == y for x, y in pairs)
            rows.append(AgreementRow(stage, a, b, len(pairs), agree, agree / len(pairs),
                                     _kappa(pairs), dict(Counter(pairs))))
    return rows
