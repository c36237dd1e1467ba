"""Whether screening can stop: the stopping status of a review, from plain data.

:func:`stopping_status` takes the labels of the records screened in the order a litsieve
ranking gave (1 relevant, 0 irrelevant), the records screened otherwise (counts only) and
the size of the review, runs the stopping rule (:func:`screening.rank.stopping.stop_test`)
and returns a :class:`StoppingStatus`: the method, its assumption, its parameters and
statistics, the estimated number of relevant records still unscreened, and a sentence to
print. It reads no store and prints nothing, so the CLI and the web app show the same thing;
:meth:`StoppingStatus.to_dict` is JSON-serialisable (no NaN) for a decision to store.

The rule is only claimed where it applies: the test treats the last records screened as
a draw from the ranking, so decisions that did not follow a ranking (imported from a
spreadsheet, say) cannot be the sample. They count as screened (their relevant records as
found), but with no (or too few, :data:`MIN_RANKED`) decisions taken from a ranking the
status makes no claim and says why.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from screening.rank.stopping import StopRule, stop_test

__all__ = ["MIN_RANKED", "StoppingStatus", "assumption_text", "ranked_history",
           "stopping_status"]

#: Fewer decisions taken from a ranking than this: no stopping claim.
MIN_RANKED = 10


def assumption_text(rule: StopRule) -> str:
    """What the rule assumes, in one or two sentences."""
    screened = ("the records were screened in the order a litsieve ranking gave, so that "
                "the last ones screened are a sample of the records left that is, if "
                "anything, richer in relevant records than a random one")
    if rule.bias is None:
        return (f"Assumes {screened}; and that over that sample the ranking favoured relevant "
                f"records at least as strongly as its {1 - rule.bias_alpha:.0%} lower bound "
                f"from the {rule.window} ranked records before it (capped at {rule.cap:g}; "
                f"1 = no better than random, never below 1).")
    if rule.bias == 1:
        return f"Assumes {screened}."
    return (f"Assumes {screened}, favouring relevant records at least {rule.bias:g} to 1 "
            f"(not checked on the data).")


@dataclass(frozen=True)
class StoppingStatus:
    """The stopping rule's verdict on a review (or why it gives none)."""

    method: str
    assumption: str
    parameters: dict[str, Any]
    #: Whether the rule applies; when it does not, ``reason`` says why and the statistics
    #: are None.
    claim: bool
    reason: str | None
    n_total: int
    #: Decisions taken from a ranking (in ranked order) and their relevant records.
    n_ranked: int
    r_ranked: int
    #: Decisions taken otherwise (imported), counted as screened.
    n_other: int
    r_other: int
    n_unscreened: int
    stop: bool | None = None
    p_value: float | None = None
    #: The sample: the last ``n_sample`` ranked records (``k_sample`` relevant), from the
    #: ``n_urn`` records made of it and those unscreened.
    n_sample: int | None = None
    k_sample: int | None = None
    n_urn: int | None = None
    #: Least relevant records in the urn for "recall < target".
    k_target: int | None = None
    #: The ranking bias the test assumed; for the estimated rule, the window it was
    #: estimated on, the point estimate and the lower confidence bound (before clipping).
    bias: float | None = None
    bias_window_n: int | None = None
    bias_window_k: int | None = None
    bias_estimate: float | None = None
    bias_lower: float | None = None
    #: Relevant records still unscreened: estimate and 1 - alpha interval.
    remaining: float | None = None
    remaining_low: int | None = None
    remaining_high: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types only; NaN and infinities become None."""
        return _clean(asdict(self))

    def summary(self) -> str:
        """The verdict in words, as ``litsieve rank --status`` prints it."""
        target = self.parameters["target"]
        head = (f"Stopping rule ({self.method}, recall target {target:.0%}, "
                f"{1 - self.parameters['alpha']:.0%} confidence)")
        if not self.claim:
            return f"{head}: no claim: {self.reason}."
        verdict = "stop" if self.stop else "continue screening"
        lines = [f"{head}: p = {_num(self.p_value)}: {verdict}."]
        lines.append(
            f"Relevant records still unscreened: about {self.remaining:.1f} "
            f"({1 - self.parameters['alpha']:.0%} interval {self.remaining_low}-"
            f"{self.remaining_high}), from the last {self.n_sample} records screened in "
            f"ranked order ({self.k_sample} relevant).")
        if self.bias_window_n is None:
            lines.append(f"Ranking bias assumed: {self.bias:.2g} (fixed).")
        elif self.bias_lower is None:
            lines.append("Ranking bias assumed: 1 (no ranked records before the sample to "
                         "estimate it from).")
        else:
            level = 1 - self.parameters["bias_alpha"]
            lines.append(
                f"Ranking bias assumed: {self.bias:.2g}: the {level:.0%} lower bound "
                f"{_odds(self.bias_lower)} (point estimate {_odds(self.bias_estimate)}) from "
                f"the {self.bias_window_n} ranked records before the sample "
                f"({self.bias_window_k} relevant), kept between 1 and "
                f"{self.parameters['cap']:g}.")
        other = (f" {self.n_other} other title/abstract decisions ({self.r_other} relevant) "
                 f"were not taken from a ranking: they count as screened, not as the sample."
                 if self.n_other else "")
        lines.append(f"Based on {self.n_ranked} decisions taken in ranked order "
                     f"({self.r_ranked} relevant).{other}")
        lines.append(self.assumption)
        return "\n".join(lines)


def stopping_status(ranked: Sequence[int] | np.ndarray, n_total: int, *,
                    n_other: int = 0, r_other: int = 0, rule: StopRule | None = None,
                    n_maybe: int = 0, imported_reason: str | None = None) -> StoppingStatus:
    """The stopping status of a review of ``n_total`` records.

    ``ranked``: 1/0 per record screened from a litsieve ranking, in the order decided;
    ``n_other`` (``r_other`` relevant): records decided otherwise (imported). Records
    marked maybe (``n_maybe``, for the message only) count as unscreened: they are in
    ``n_total`` and neither list. ``imported_reason``: how to describe the other decisions
    when they are all there is (default: "imported").
    """
    rule = rule or StopRule()
    labels = np.asarray(ranked, dtype=np.int64)
    if labels.ndim != 1 or (labels.size and not np.isin(labels, (0, 1)).all()):
        raise ValueError("ranked must be a sequence of 0 and 1")
    if not 0 <= r_other <= n_other:
        raise ValueError(f"need 0 <= r_other <= n_other (got {r_other}, {n_other})")
    n_unscreened = n_total - n_other - labels.size
    if n_unscreened < 0:
        raise ValueError(f"{labels.size + n_other} records screened but only {n_total} in "
                         f"the review")
    base = {"method": rule.name, "assumption": assumption_text(rule),
            "parameters": rule.parameters(), "n_total": n_total, "n_ranked": int(labels.size),
            "r_ranked": int(labels.sum()), "n_other": n_other, "r_other": r_other,
            "n_unscreened": n_unscreened}
    reason = _no_claim_reason(labels.size, n_other, n_unscreened, imported_reason)
    if reason is not None:
        return StoppingStatus(claim=False, reason=reason, **base)
    test = stop_test(labels, n_total, rule, n_before=n_other, r_before=r_other)
    return StoppingStatus(
        claim=True, reason=None, stop=test.stop, p_value=test.p_value,
        n_sample=test.n_sample, k_sample=test.k_sample, n_urn=test.n_urn,
        k_target=test.k_target, bias=test.bias,
        bias_window_n=test.window_n if rule.bias is None else None,
        bias_window_k=test.window_k if rule.bias is None else None,
        bias_estimate=test.bias_estimate, bias_lower=test.bias_lower,
        remaining=test.remaining, remaining_low=test.remaining_low,
        remaining_high=test.remaining_high, **base)


def ranked_history(history: Iterable[Any], latest: Iterable[Any]
                   ) -> tuple[list[int], int, int]:
    """Split title/abstract decisions for :func:`stopping_status`: the labels of the records
    first screened from a litsieve ranking (their first decision carries its
    ``params_hash``), in the order first decided, and the count (and relevant) of the
    others.

    ``history``: every title/abstract decision row; ``latest``: the decision that counts
    per record (include or exclude only; maybe is not screened). Rows need ``record_id``,
    ``outcome``, ``decided_at``, ``decision_id`` and ``params_hash`` (as
    :class:`screening.store.decisions.DecisionRow` has)."""
    first: dict[str, Any] = {}
    for row in sorted(history, key=lambda d: (d.decided_at, d.decision_id or 0)):
        first.setdefault(row.record_id, row)
    ranked: list[int] = []
    n_other = r_other = 0
    for decision in sorted(latest, key=lambda d: (first[d.record_id].decided_at,
                                                   first[d.record_id].decision_id or 0)):
        label = 1 if str(decision.outcome) == "include" else 0
        if first[decision.record_id].params_hash:
            ranked.append(label)
        else:
            n_other += 1
            r_other += label
    return ranked, n_other, r_other


def _no_claim_reason(n_ranked: int, n_other: int, n_unscreened: int,
                     imported_reason: str | None) -> str | None:
    how = imported_reason or "imported"
    if n_unscreened == 0:
        return "every record is screened (or marked maybe): there is nothing left to stop"
    if n_ranked == 0 and n_other == 0:
        return "no record is screened yet"
    need = (f"the stopping rule needs at least {MIN_RANKED} records screened in ranked order "
            f"(screen from the litsieve ranking's queue)")
    if n_ranked == 0:
        return (f"the {n_other} title/abstract decisions were {how}, not taken from a "
                f"litsieve ranking; {need}")
    if n_ranked < MIN_RANKED:
        other = f" ({n_other} others were {how})" if n_other else ""
        return f"only {n_ranked} decisions were taken from a litsieve ranking{other}; {need}"
    return None


def _odds(value: float) -> str:
    return "over 1000" if value >= 1000 else f"{value:.2g}"


def _num(value: float | None) -> str:
    return "unknown" if value is None or not math.isfinite(value) else f"{value:.3g}"


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
