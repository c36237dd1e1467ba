"""``litsieve simulate`` and ``litsieve rank``: relevance ranking with active learning."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from screening.cli.app import app, choose_name, database_url, err, out, progress_bar
from screening.review_dir import open_review

__all__: list[str] = []

_LABELS = {"include": 1, "exclude": 0}
_MODEL_HELP = ("The ranker (any case): svm-emb (an SVM on TF-IDF fused with one on sentence "
               "embeddings), svm, logistic, nb or ensemble. Default: svm-emb when the embedding "
               "model is installed (pip install 'litsieve[embeddings]'), else svm.")


def _model_option(value: str | None) -> str | None:
    """``--model`` as the ranker's registered name, in any case ("SVM"); an unknown name is
    a usage error (exit 2) listing the rankers, before any work."""
    if value is None:
        return None
    from screening.rank.rankers import available_rankers

    return choose_name(value, available_rankers(), what="ranker", param_hint="--model")


_BIAS_HELP = ("Stopping rule: assume this fixed ranking bias (how many times as likely as an "
              "irrelevant record the ranking puts a relevant one next; 1 = no better than "
              "random, the plain hypergeometric test). Default: estimated from the "
              "screening history, see screening.rank.stopping.")


@app.command("simulate")
def simulate_command(
    dataset: Annotated[Path, typer.Argument(
        help="A labelled CSV: title, abstract, label_included (1 = included).",
        exists=True, dir_okay=False)],
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Directory for metrics.json and recall.png.")],
    seeds: Annotated[int, typer.Option("--seeds", min=1, help="Simulated screenings.")] = 1,
    model: Annotated[str | None, typer.Option(
        "--model", help=_MODEL_HELP, callback=_model_option)] = None,
    batch_size: Annotated[int, typer.Option(
        "--batch-size", min=1, help="Records screened between retrains.")] = 1,
    bias: Annotated[float | None, typer.Option(
        "--bias", min=1.0, help=_BIAS_HELP)] = None,
) -> None:
    """Simulate screening a labelled dataset in ranked order; report the work saved.

    Each seed starts from one random relevant and one random irrelevant record and screens
    until every relevant record is found. Writes metrics.json and a recall curve (PNG).
    """
    from screening.rank.simulate import simulate

    model = _resolve_model(model)
    with progress_bar() as bar:
        tasks: dict[int, int] = {}
        step = bar.add_task(f"Simulating {model}: building features", total=None)
        embed_progress = _embedding_bar(bar, step)

        def progress(index: int, found: int, total: int) -> None:
            if index not in tasks:
                bar.update(step, visible=False)
                tasks[index] = bar.add_task(f"seed {index + 1}/{seeds}: relevant found",
                                            total=total)
            bar.update(tasks[index], completed=found)

        summary = simulate(dataset, output, seeds=seeds, model=model, batch_size=batch_size,
                           stop_bias=bias,
                           progress=progress, embed_progress=embed_progress)
    run = summary["run"]
    table = Table(title=f"{dataset.name}: {run['n_records']:,} records, "
                        f"{run['n_included']} relevant; {run['actor']} "
                        f"(params {run['params_hash']})")
    for column in ("seed", "WSS@95", "WSS@100", "recall@10%", "n to 95%", "n to 100%",
                   "ATD", "stop at", "recall at stop", "ms/step", "seconds"):
        table.add_column(column, justify="right")
    rows = [*summary["seeds"], {**summary, "seed": "mean", "ms_per_step": run["ms_per_step"]}]
    for row in rows:
        table.add_row(str(row["seed"]), f"{row['wss_95']:.3f}", f"{row['wss_100']:.3f}",
                      f"{row['recall_at_10pct']:.3f}", f"{row['n_to_95']:g}",
                      f"{row['n_to_100']:g}", f"{row['atd']:.3f}", f"{row['stop_at']:g}",
                      f"{row['recall_at_stop']:.3f}", f"{row['ms_per_step']:.1f}",
                      f"{row['seconds']:.1f}")
    out.print(table)
    _print_simulated_stops(summary)
    out.print(f"Wrote {output / 'metrics.json'} and {output / 'recall.png'}")


@app.command("rank")
def rank_command(
    directory: Annotated[Path, typer.Argument(help="The review directory.")],
    status: Annotated[bool, typer.Option(
        "--status", help="Only the screening counts and the stopping estimate.")] = False,
    model: Annotated[str | None, typer.Option(
        "--model", help=_MODEL_HELP, callback=_model_option)] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Queue entries shown.")] = 10,
    target: Annotated[float, typer.Option(
        "--target", min=0.5, max=1.0, help="Recall target of the stopping rule.")] = 0.95,
    bias: Annotated[float | None, typer.Option(
        "--bias", min=1.0, help=_BIAS_HELP)] = None,
) -> None:
    """Rank the unscreened records from the title/abstract decisions so far.

    Prints the top of the screening queue and whether screening can stop: the
    hypergeometric test of "recall < target" (Callaghan & Müller-Hansen 2020) on the
    records screened in ranked order (decisions that carry a ranking's params hash), with
    the ranking's bias estimated from that history, and the estimated number of relevant
    records still unscreened. Imported decisions count as screened but are no sample:
    with too few ranked decisions there is no stopping claim, and it says why.
    """
    import numpy as np

    from screening.rank.features import ranker_features
    from screening.rank.loop import UNLABELED, NotEnoughLabelsError, rank_unlabeled
    from screening.rank.status import ranked_history, stopping_status
    from screening.rank.stopping import StopRule

    model = _resolve_model(model)
    review_dir = open_review(directory)
    with review_dir.open_store(database_url()) as store:
        duplicates = {d.record_id for d in store.latest_record_decisions(stage="deduplication")
                      if d.outcome == "duplicate"}
        records = [r for r in store.iter_records(status="ok") if r.record_id not in duplicates]
        decisions = [d for d in store.latest_record_decisions(stage="title_abstract")
                     if d.record_id not in duplicates]
        row_of = {r.record_id: i for i, r in enumerate(records)}
        labels = np.full(len(records), UNLABELED, dtype=np.int64)
        maybe = np.zeros(len(records), dtype=bool)
        for decision in decisions:
            row = row_of.get(decision.record_id)
            if row is None:
                continue
            if decision.outcome in _LABELS:
                labels[row] = _LABELS[str(decision.outcome)]
            elif decision.outcome == "maybe":
                maybe[row] = True
        timed = sorted((d for d in decisions if d.outcome in _LABELS and d.record_id in row_of),
                       key=lambda d: (d.decided_at, d.decision_id or 0))
        n_in, n_out = int((labels == 1).sum()), int((labels == 0).sum())
        n_left = int(((labels == UNLABELED) & ~maybe).sum())
        out.print(f"{len(records):,} records to screen ({len(duplicates):,} duplicates left "
                  f"out): {n_in} included, {n_out} excluded, {int(maybe.sum())} maybe, "
                  f"{n_left:,} not screened")
        if not status and n_left == 0:
            out.print("Every record is screened (or marked maybe): nothing to rank.")
        elif not status:
            if n_in < 1 or n_out < 1:
                raise NotEnoughLabelsError(
                    f"ranking needs at least one included and one excluded record at "
                    f"title_abstract; got {n_in} included and {n_out} excluded "
                    f"(import decisions with: litsieve decisions import {directory} FILE.csv)")
            with progress_bar() as bar:
                step = bar.add_task(f"Ranking {len(records):,} records: building features",
                                    total=None)
                features = ranker_features(model, [r.title for r in records],
                                           [r.abstract for r in records],
                                           progress=_embedding_bar(bar, step))
                bar.update(step, description=f"Ranking: training {model}, scoring "
                                             f"{n_left:,} records")
                run_id = store.begin_run("rank", {"model": model})
                ranking = rank_unlabeled(features.X, np.where(maybe, 0, labels), model=model,
                                         feature_settings=features.settings)
            queue = [row for row in ranking.order if not maybe[row]]
            store.finish_run(run_id, "ok", {"actor": ranking.actor,
                                            "params_hash": ranking.params_hash,
                                            "ranked": len(queue)})
            score = dict(zip(ranking.order.tolist(), ranking.scores.tolist(), strict=True))
            table = Table(title=f"Screening queue: {ranking.actor} (params "
                                f"{ranking.params_hash}), {ranking.seconds * 1000:.0f} ms")
            for column, justify in (("rank", "right"), ("record_id", "left"),
                                    ("score", "right"), ("title", "left")):
                table.add_column(column, justify=justify, overflow="fold")
            for place, row in enumerate(queue[:top], 1):
                table.add_row(str(place), records[row].record_id, f"{score[row]:.3f}",
                              Text(records[row].title or ""))
            out.print(table)
        history = store.decision_history(stage="title_abstract")
        ranked, n_other, r_other = ranked_history(history, timed)
        status_now = stopping_status(ranked, len(records), n_other=n_other, r_other=r_other,
                                     rule=StopRule(target=target, bias=bias))
        out.print(status_now.summary(), markup=False, highlight=False)


def _print_simulated_stops(summary: dict) -> None:
    """The stopping rule in the simulation: its method and assumption, and per seed its
    estimate of the relevant records left at the stop beside the true number."""
    rule = summary["run"]["stop_rule"]
    params = ", ".join(f"{k} {v:g}" for k, v in rule["parameters"].items())
    out.print(f"Stopping rule: {rule['method']} ({params}), tested after every record. "
              f"{rule['assumption']}", markup=False, highlight=False)
    for seed in summary["seeds"]:
        if seed["left_estimate"] is None:
            out.print(f"seed {seed['seed']}: the rule never said stop before the last record")
            continue
        level = 1 - rule["parameters"]["alpha"]
        out.print(f"seed {seed['seed']}: stopped after {seed['stop_at']:g} records; relevant "
                  f"records still unscreened then: estimated {seed['left_estimate']:.1f} "
                  f"({level:.0%} interval {seed['left_low']}-{seed['left_high']}), truly "
                  f"{seed['left_at_stop']}; recall {seed['recall_at_stop']:.3f}",
                  markup=False, highlight=False)


def _resolve_model(model: str | None) -> str:
    """The ranker to use: ``model`` (checked by :func:`_model_option` while the options were
    parsed), or the default, said aloud when it falls back to svm."""
    from screening.rank.rankers import default_ranker

    if model is not None:
        return model
    model = default_ranker()
    if model == "svm":
        err.print("Ranking with svm (TF-IDF only): the sentence-embedding model is not "
                  "installed (pip install 'litsieve[embeddings]' adds it).", markup=False)
    return model


def _embedding_bar(bar: Progress, step: int | None = None):
    """progress(done, total) for the sentence embeddings, as a bar on ``bar``; ``step``,
    the spinner of the work around it, is hidden while the bar shows."""
    task: list[int] = []

    def progress(done: int, total: int) -> None:
        if not task:
            if step is not None:
                bar.update(step, visible=False)
            task.append(bar.add_task(f"Embedding {total:,} new records (once)",
                                     total=total))
        bar.update(task[0], completed=done)
        if done >= total:
            bar.remove_task(task[0])
            if step is not None:
                bar.update(step, visible=True)

    return progress
