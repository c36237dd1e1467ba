"""Simulated screening on a labelled dataset: how much work would ranking have saved?

Each seed starts from one random relevant and one random irrelevant record (the priors),
then screens ``batch_size`` records at a time (retraining before each batch) in the order
the ranker gives, with the dataset's labels as the oracle, until every relevant record is
found. The ``svm`` and ``svm-emb`` rankers' solvers are kept from one step to the next and
continue from the last solution (:mod:`screening.rank.linsvm`) instead of fitting from
scratch. The
statistical stopping rule (:func:`screening.rank.stopping.first_stop`, 95 % recall target;
by default the ranking's bias estimated from the screening so far, or a fixed
``stop_bias``) is evaluated after every record; once every relevant record is found the
rest are all irrelevant, so the order no longer matters and the rule is run on to its stop
without more training. At the stop, the rule's estimate of the relevant records still
unscreened (and its interval) is kept beside the true number.

:func:`simulate` writes ``metrics.json`` (averages over seeds at the top level, each seed
under ``seeds``) and ``recall.png`` to the output directory.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from screening.errors import SchemaError
from screening.rank.features import FeatureMatrix, ranker_features, record_texts
from screening.rank.linsvm import ACCELERATED, WarmLinearSVM
from screening.rank.loop import UNLABELED, rank_unlabeled
from screening.rank.metrics import METRIC_KEYS, screening_metrics
from screening.rank.rankers import get_ranker, params_hash, ranker_version
from screening.rank.stopping import StopRule, first_stop, stop_test
from screening.rank.warm_fusion import WarmFusedSVM

__all__ = ["LABEL_COLUMNS", "SeedResult", "load_labeled", "load_labeled_fields",
           "prior_records", "simulate", "simulate_seed", "warm_started"]

LABEL_COLUMNS = ("title", "abstract", "label_included")

#: progress(seed_index, relevant_found, relevant_total)
Progress = Callable[[int, int, int], None]


@dataclass(frozen=True)
class SeedResult:
    """One simulated screening."""

    seed: int
    priors: tuple[int, int]
    #: Row indices in the order screened, up to the last relevant record.
    order: np.ndarray
    metrics: dict[str, float]
    step_seconds: np.ndarray


def load_labeled(path: Path) -> tuple[list[str], np.ndarray]:
    """Texts (title + abstract) and 0/1 labels from a CSV with ``title``, ``abstract`` and
    ``label_included``."""
    titles, abstracts, y = load_labeled_fields(path)
    return record_texts(titles, abstracts), y


def load_labeled_fields(path: Path) -> tuple[list[str], list[str], np.ndarray]:
    """Titles, abstracts and 0/1 labels from a CSV with ``title``, ``abstract`` and
    ``label_included``."""
    frame = pd.read_csv(path, dtype={"title": str, "abstract": str}, keep_default_na=False)
    missing = [c for c in LABEL_COLUMNS if c not in frame.columns]
    if missing:
        raise SchemaError(f"{path}: missing column(s) {', '.join(missing)} "
                          f"(need {', '.join(LABEL_COLUMNS)}; got {', '.join(frame.columns)})")
    labels = pd.to_numeric(frame["label_included"], errors="coerce")
    bad = np.flatnonzero(~labels.isin([0, 1]).to_numpy())
    if bad.size:
        line = int(bad[0]) + 2  # 1-based, after the header (assumes one line per row)
        raise SchemaError(f"{path}:{line}: label_included: must be 0 or 1 (got "
                          f"{frame['label_included'].iloc[bad[0]]!r}); {bad.size} bad row(s)")
    y = labels.to_numpy(dtype=np.int64)
    if y.sum() < 1 or y.sum() == y.size:
        raise SchemaError(f"{path}: label_included: need at least one relevant (1) and one "
                          f"irrelevant (0) record (got {int(y.sum())} of {y.size})")
    return frame["title"].tolist(), frame["abstract"].tolist(), y


def prior_records(y: np.ndarray, seed: int) -> tuple[int, int]:
    """The rows a seed starts from: one random relevant and one random irrelevant record.
    Benchmarks give the same rows to peer tools."""
    rng = np.random.default_rng(seed)
    return int(rng.choice(np.flatnonzero(y == 1))), int(rng.choice(np.flatnonzero(y == 0)))


def simulate_seed(features: FeatureMatrix, y: np.ndarray, *, seed: int,
                  model: str = "svm", params: dict[str, Any] | None = None,
                  batch_size: int = 1, stop_bias: float | None = None,
                  progress: Callable[[int, int], None] | None = None) -> SeedResult:
    """One simulated screening from one random relevant and one random irrelevant prior.

    ``stop_bias``: None for the default stopping rule (the ranking's bias estimated), a
    number for the test with that fixed bias (1: the plain hypergeometric test).
    ``step_seconds`` times each retrain-and-rank step: from the labels so far to the rows
    of the next batch."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1 (got {batch_size})")
    started = time.perf_counter()
    priors = prior_records(y, seed)
    labels = np.full(y.size, UNLABELED, dtype=np.int64)
    order = list(priors)
    labels[list(priors)] = y[list(priors)]
    next_rows = _stepper(features.X, model, params, seed)
    new_rows = list(priors)
    total, found = int(y.sum()), 1
    steps = []
    while found < total:
        step_started = time.perf_counter()
        batch = next_rows(labels, np.asarray(new_rows, dtype=np.int64), batch_size)
        steps.append(time.perf_counter() - step_started)
        new_rows = []
        for row in batch:
            labels[row] = y[row]
            order.append(int(row))
            new_rows.append(int(row))
            found += int(y[row])
            if found == total:
                break
        if progress is not None:
            progress(found, total)
    order_array = np.asarray(order, dtype=np.int64)
    metrics = screening_metrics(y[order_array], y.size)
    metrics.update(_stop_point(y[order_array], y.size, total, stop_bias))
    metrics["seconds"] = time.perf_counter() - started
    return SeedResult(seed=seed, priors=priors, order=order_array, metrics=metrics,
                      step_seconds=np.asarray(steps))


def warm_started(model: str) -> bool:
    """Whether the simulation keeps ``model``'s solver between steps (see :func:`_stepper`)."""
    return model in _WARM and ACCELERATED


#: next_rows(labels, rows labelled since the last call, batch_size) -> rows to screen next
NextRows = Callable[[np.ndarray, np.ndarray, int], np.ndarray]

#: The models whose solvers the simulation keeps between steps, and how.
_WARM: dict[str, type] = {"svm": WarmLinearSVM, "svm-emb": WarmFusedSVM}


def _stepper(X: Any, model: str, params: dict[str, Any] | None, seed: int) -> NextRows:
    """One retrain-and-rank step of the simulation, as a function.

    The ``svm`` and ``svm-emb`` models keep their solvers between steps
    (:class:`WarmLinearSVM`, :class:`WarmFusedSVM`: the same problems as their rankers,
    solved to the same tolerance, but from the previous step's solution and without
    sorting the whole queue) when the C extension was built; any other model, or no
    extension, runs :func:`rank_unlabeled` from scratch."""
    if warm_started(model):
        options = get_ranker(model, **{"random_state": seed, **(params or {})}).get_params()
        svm = _WARM[model](X, **options)

        def warm(labels: np.ndarray, new_rows: np.ndarray, batch_size: int) -> np.ndarray:
            svm.add(new_rows, labels[new_rows])
            return svm.fit().top_unlabeled(batch_size)

        return warm

    def cold(labels: np.ndarray, new_rows: np.ndarray, batch_size: int) -> np.ndarray:
        ranking = rank_unlabeled(X, labels, model=model, params=params, random_state=seed)
        return ranking.order[:batch_size]

    return cold


def _stop_point(screened: np.ndarray, n_total: int, total: int, bias: float | None
                ) -> dict[str, float | int | None]:
    """Records screened when the statistical rule first says stop, the recall then, and
    the rule's estimate (with its interval) of the relevant records left beside the true
    number; a rule that never stops stops with the last record (no estimate)."""
    full = np.concatenate([screened, np.zeros(n_total - screened.size, dtype=np.int64)])
    rule = StopRule(bias=bias)
    at = first_stop(full, n_total, rule)
    if at is None:
        return {"stop_at": n_total, "recall_at_stop": 1.0, "left_at_stop": 0,
                "left_estimate": None, "left_low": None, "left_high": None}
    test = stop_test(full[:at], n_total, rule)
    found = int(full[:at].sum())
    return {"stop_at": at, "recall_at_stop": float(found / total),
            "left_at_stop": total - found, "left_estimate": test.remaining,
            "left_low": test.remaining_low, "left_high": test.remaining_high}


def _rule_info(rule: StopRule) -> dict[str, Any]:
    from screening.rank.status import assumption_text

    return {"method": rule.name, "parameters": rule.parameters(),
            "assumption": assumption_text(rule)}


def simulate(dataset: Path, output: Path, *, seeds: int = 1, model: str = "svm",
             params: dict[str, Any] | None = None, batch_size: int = 1,
             first_seed: int = 0, stop_bias: float | None = None,
             progress: Progress | None = None, cache_dir: Path | None = None,
             embed_progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Simulate ``seeds`` screenings of ``dataset``; write metrics.json and recall.png.

    A ranker on sentence embeddings (``svm-emb``) reads them from the cache in
    ``cache_dir`` (see :func:`screening.rank.embeddings.embed_texts`) or computes them,
    reporting ``embed_progress(done, total)``."""
    from screening.rank.plot import plot_recall

    if seeds < 1:
        raise ValueError(f"seeds must be at least 1 (got {seeds})")
    estimator = get_ranker(model, **(params or {}))  # an unknown name fails before work
    titles, abstracts, y = load_labeled_fields(dataset)
    vectorize_started = time.perf_counter()
    features = ranker_features(model, titles, abstracts, cache_dir=cache_dir,
                               progress=embed_progress)
    vectorize_seconds = time.perf_counter() - vectorize_started
    results = []
    for index, seed in enumerate(range(first_seed, first_seed + seeds)):
        def report(found: int, total: int, index: int = index) -> None:
            if progress is not None:
                progress(index, found, total)

        # One BLAS thread: a step's products are small, and waking a second thread for
        # each cost more than it saved (and more still with the other core busy).
        with threadpool_limits(limits=1, user_api="blas"):
            results.append(simulate_seed(features, y, seed=seed, model=model,
                                         params=params, batch_size=batch_size,
                                         stop_bias=stop_bias, progress=report))
    steps = np.concatenate([r.step_seconds for r in results])
    summary: dict[str, Any] = {
        key: float(np.mean([r.metrics[key] for r in results])) for key in METRIC_KEYS}
    summary["seeds"] = [
        {"seed": r.seed, "priors": list(r.priors), **r.metrics,
         "ms_per_step": float(r.step_seconds.mean() * 1000) if r.step_seconds.size else 0.0}
        for r in results]
    summary["run"] = {
        "dataset": str(dataset), "n_records": int(y.size), "n_included": int(y.sum()),
        "model": model, "params": estimator.get_params(deep=False),
        "solver": "warm-started dual coordinate descent (C)" if warm_started(model)
                  else "fitted from scratch at each step",
        "params_hash": params_hash(estimator, features.settings),
        "actor": f"model:{model}@{ranker_version()}", "batch_size": batch_size,
        "stop_bias": stop_bias,
        "stop_rule": _rule_info(StopRule(bias=stop_bias)),
        "features": features.settings, "n_features": features.n_features,
        "vectorize_seconds": vectorize_seconds,
        "ms_per_step": float(steps.mean() * 1000) if steps.size else 0.0,
        "steps": int(steps.size),
    }
    output.mkdir(parents=True, exist_ok=True)
    (output / "metrics.json").write_text(json.dumps(summary, indent=2, default=repr) + "\n",
                                         encoding="utf-8")
    plot_recall([y[r.order] for r in results], y.size,
                [r.metrics["stop_at"] for r in results], output / "recall.png",
                title=f"{dataset.stem}: {model}, {len(results)} seed(s)")
    return summary
