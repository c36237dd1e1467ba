"""Ranking benchmark: simulated screening on the labelled reviews in ../shared/data/screening.

For every dataset (CSV: title, abstract, label_included) and every seed, litsieve starts
from one random relevant and one random irrelevant record and screens one record at a time
in ranked order until every relevant record is found (``screening.rank.simulate``). Prints
per dataset and overall: WSS@95, recall@10 %, records to 95 % recall, time per
retrain-and-rank step and total CPU time; then the statistical stopping rule in every run
(records saved, recall at the stop, share of runs that stopped at >= 95 % recall); then the
median retrain + rank step on a synthetic review of ``--large`` records. Writes
benchmarks/out/ranking.json.

``--peer`` also runs ASReview LAB 3.x (its default model, ELAS u4) in its own virtual
environment (benchmarks/out/asreview-venv, ``pip install asreview``; never a dependency of
litsieve) with ``asreview simulate`` and the same prior records, side by side as
litsieve/ASReview. Its runs are cached per seed in benchmarks/out/asreview/.

The default ranker, svm-emb, needs the records' sentence embeddings: the first run encodes
the 12 reviews (13,718 records, about 9 minutes here) into the cache (~/.cache/litsieve, or
$LITSIEVE_CACHE_DIR); later runs read them. Their time is counted in the vectorising, not
in the steps.

    python benchmarks/ranking.py [--seeds 5] [--datasets Donners Sep] [--model svm-emb]
                                 [--batch-size 1] [--peer] [--large 50000]
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
DATA = ROOT.parent / "shared" / "data" / "screening"
sys.path.insert(0, str(ROOT))

from screening.rank.embeddings import DIMENSIONS  # noqa: E402
from screening.rank.features import build_features, with_embeddings  # noqa: E402
from screening.rank.loop import UNLABELED, rank_unlabeled  # noqa: E402
from screening.rank.metrics import screening_metrics  # noqa: E402
from screening.rank.rankers import default_ranker, get_ranker  # noqa: E402
from screening.rank.simulate import load_labeled, prior_records, simulate  # noqa: E402

COLUMNS = ("wss_95", "recall_at_10pct", "n_to_95", "stop_at", "recall_at_stop")


def run_litsieve(path: Path, *, seeds: int, model: str, batch_size: int) -> dict:
    cpu, wall = time.process_time(), time.perf_counter()
    summary = simulate(path, OUT / "ranking" / path.stem, seeds=seeds, model=model,
                       batch_size=batch_size)
    summary["cpu_seconds"] = time.process_time() - cpu
    summary["wall_seconds"] = time.perf_counter() - wall
    # All CPU of the run (features, steps, the stopping rule) per step, like ASReview's.
    summary["cpu_ms_per_step"] = summary["cpu_seconds"] * 1000 / summary["run"]["steps"]
    return summary


# ---------------------------------------------------------------- peer: ASReview LAB 3.x
def asreview_bin() -> Path:
    venv = OUT / "asreview-venv"
    exe = venv / "bin" / "asreview"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "asreview>=3,<4"],
                       check=True)
    return exe


def run_asreview(path: Path, seeds: list[int], *, rerun: bool = False) -> dict:
    """ASReview's default model from the same prior records as litsieve's seeds (its
    ``--prior-idx`` are 0-based row numbers, as are ours). One run per seed, cached in
    benchmarks/out/asreview/<dataset>/ by seed, priors and ASReview version, since its
    result does not depend on litsieve; ``rerun`` runs it again (to time it under the
    same load as litsieve)."""
    exe = asreview_bin()
    with tempfile.TemporaryDirectory() as tmp:  # even --version writes a cache file there
        version = subprocess.run([str(exe), "--version"], check=True, capture_output=True,
                                 text=True, cwd=tmp).stdout.strip()
    _, y = load_labeled(path)
    runs = []
    for seed in seeds:
        priors = list(prior_records(y, seed))
        cache = OUT / "asreview" / path.stem / f"seed-{seed}.json"
        cached = json.loads(cache.read_text()) if cache.exists() else {}
        if rerun or cached.get("priors") != priors or cached.get("version") != version:
            cached = _asreview_seed(exe, path, y, seed, priors) | {"version": version}
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(cached, indent=1) + "\n", encoding="utf-8")
        runs.append(cached)
    for r in runs:  # runs cached before CPU per step was recorded
        r.setdefault("cpu_ms_per_step", r["cpu_seconds"] * 1000 / r["steps"])
    summary = {key: float(np.mean([r[key] for r in runs]))
               for key in (*COLUMNS[:3], "seconds", "cpu_seconds", "ms_per_step",
                           "cpu_ms_per_step")}
    return summary | {"version": version, "seeds": runs}


def _asreview_seed(exe: Path, path: Path, y: np.ndarray, seed: int, priors: list[int]
                   ) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "sim.asreview"
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([str(exe), "simulate", str(path), "-o", str(project),
                        "--prior-idx", *map(str, priors), "--seed", str(seed)],
                       check=True, capture_output=True,
                       cwd=tmp)  # ASReview writes a cache file into its working directory
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        order, step_seconds = _asreview_results(project)
    labels = y[np.asarray(order, dtype=np.int64)]
    metrics = screening_metrics(labels[: int(np.flatnonzero(labels)[-1]) + 1], y.size)
    return {**metrics, "seed": seed, "priors": priors, "order": order, "seconds": seconds,
            "cpu_seconds": (after.ru_utime + after.ru_stime) - (cpu.ru_utime + cpu.ru_stime),
            "ms_per_step": float(np.mean(step_seconds) * 1000), "steps": len(step_seconds),
            # Wall-clock gaps grow with a busy machine; CPU time per step (all of the run,
            # start-up and feature fitting included) much less so.
            "cpu_ms_per_step": ((after.ru_utime + after.ru_stime) - (cpu.ru_utime + cpu.ru_stime))
            * 1000 / len(step_seconds)}


def _asreview_results(project: Path) -> tuple[list[int], np.ndarray]:
    """The records in the order ASReview labelled them, and the time of each of its
    retrain-and-rank steps.

    ASReview stamps every label with ``time.time()`` as it is made; a model-chosen record
    (``training_set`` set) is labelled right after its step's retrain and rank, so the gap
    to the previous label is one whole step of its loop. The first step is left out: it
    also fits the TF-IDF features (litsieve's ms/step leaves out feature fitting too).
    """
    with zipfile.ZipFile(project) as archive, tempfile.TemporaryDirectory() as tmp:
        name = next(n for n in archive.namelist() if n.endswith("results.db"))
        db = archive.extract(name, tmp)
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT record_id, time, training_set FROM results "
                                "ORDER BY rowid").fetchall()
    times = np.array([r[1] for r in rows], dtype=np.float64)
    by_model = np.array([r[2] is not None for r in rows])
    gaps = np.diff(times)[by_model[1:]]
    return [int(r[0]) for r in rows], gaps[1:]


# ---------------------------------------------------------------- a large review
def large_review_seconds(n_records: int, *, model: str, steps: int = 7, seed: int = 0
                         ) -> dict:
    """Median time of one retrain-and-rank step on a synthetic review of ``n_records``.

    The records are copies of the largest labelled review with perturbed text (each copy
    drops a random fifth of the words and swaps a random tenth for words from other
    records), so the vocabulary grows as a real search's would. A tenth of the records is
    labelled (relevant ones at the review's rate); each step adds one label, retrains
    and ranks the rest, like a step of the loop.

    For a ranker on sentence embeddings the embedding block holds random unit vectors: a
    step's time does not depend on what the vectors say, and encoding 50,000 records
    (about 25 a second here, once per record thanks to the cache) would take half an hour.
    """
    source = max(DATA.glob("*.csv"), key=lambda p: p.stat().st_size)
    texts, y = load_labeled(source)
    rng = np.random.default_rng(seed)
    words = [t.split() for t in texts]
    pool = np.array([w for ws in words for w in ws], dtype=object)
    rows = np.resize(np.arange(len(texts)), n_records)
    synthetic = []
    for row in rows:
        kept = [w for w in words[row] if rng.random() >= 0.2]
        swap = rng.random(len(kept)) < 0.1
        synthetic.append(" ".join(str(pool[rng.integers(pool.size)]) if s else w
                                  for w, s in zip(kept, swap, strict=True)))
    labels_true = y[rows]
    started = time.perf_counter()
    features = build_features(synthetic)
    vectorize = time.perf_counter() - started
    if getattr(get_ranker(model), "needs_embeddings", False):
        vectors = rng.normal(size=(n_records, DIMENSIONS))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        features = with_embeddings(features, vectors, model="random unit vectors")
    labels = np.full(n_records, UNLABELED, dtype=np.int64)
    seen = rng.choice(n_records, n_records // 10, replace=False)
    labels[seen] = labels_true[seen]
    times = []
    for _ in range(steps):
        ranking = rank_unlabeled(features.X, labels, model=model, random_state=seed)
        times.append(ranking.seconds)
        top = ranking.order[0]
        labels[top] = labels_true[top]
    return {"n_records": n_records, "n_labelled": int((labels != UNLABELED).sum()),
            "n_features": features.n_features, "nnz": int(features.X.nnz),
            "vectorize_seconds": vectorize, "step_seconds": times,
            "median_step_seconds": float(np.median(times)), "source": source.stem}


# ---------------------------------------------------------------- report
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--datasets", nargs="*", help="substrings of dataset file names")
    parser.add_argument("--model", default=default_ranker(),
                        help="the ranker (default: svm-emb when the embedding model is "
                             "installed, else svm)")
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--peer", action="store_true", help="also run ASReview LAB 3.x")
    parser.add_argument("--peer-rerun", action="store_true",
                        help="run ASReview again instead of using its cached runs")
    parser.add_argument("--large", type=int, default=50_000, metavar="N",
                        help="time retrain + rank on a synthetic review of N records "
                             "(0: skip)")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"skipped: the labelled screening datasets are absent ({DATA})")
        return 0
    paths = sorted(DATA.glob("*.csv"))
    if args.datasets:
        paths = [p for p in paths if any(s.lower() in p.name.lower() for s in args.datasets)]
    results: dict = {}
    print(f"{args.seeds} seed(s); litsieve model {args.model}, batch size {args.batch_size}"
          + ("; peer: ASReview ELAS u4 from the same priors" if args.peer else ""))
    print(f"{'dataset':30} {'N':>5} {'R':>4} {'WSS@95':>13} {'diff':>6} {'rec@10%':>11} "
          f"{'n→95%':>11} {'ms/step':>11} {'x':>5} {'CPU ms/step':>11} {'CPU s':>11}")
    for path in paths:
        results[path.stem] = {"litsieve": run_litsieve(
            path, seeds=args.seeds, model=args.model, batch_size=args.batch_size)}
    for path in paths:  # after litsieve, so that the peer's runs can be cached meanwhile
        entry = results[path.stem]
        if args.peer:
            entry["asreview"] = run_asreview(path, [s["seed"] for s in entry["litsieve"]["seeds"]],
                                             rerun=args.peer_rerun)
        _row(path.stem, entry)
    if not results:
        return 0
    overall = _overall(results)
    _row("overall (mean of datasets)", overall)
    print(f"litsieve features ({args.model}; once per dataset, not in ms/step): "
          f"{overall['litsieve']['vectorize_seconds']:.1f} s in all")
    _stopping_table(results)
    if args.large:
        large = large_review_seconds(args.large, model=args.model)
        print(f"\nretrain + rank, synthetic review of {large['n_records']:,} records "
              f"({large['n_labelled']:,} labelled, {large['n_features']:,} features, "
              f"{large['nnz']:,} non-zeros; vectorised once in "
              f"{large['vectorize_seconds']:.1f} s): median {large['median_step_seconds']:.3f}"
              f" s over {len(large['step_seconds'])} steps")
        results["large_review"] = large
    results["overall"] = overall
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ranking.json").write_text(json.dumps(results, indent=2, default=repr) + "\n",
                                      encoding="utf-8")
    print(f"wrote {OUT / 'ranking.json'}")
    return 0


def _pair(entry: dict, key: str) -> tuple[float, float]:
    peer = entry.get("asreview", {})
    return entry["litsieve"][key], peer.get(key, float("nan"))


def _row(name: str, entry: dict) -> None:
    lit, peer = entry["litsieve"], entry.get("asreview", {})
    run = lit.get("run", {})
    wss, wss_p = _pair(entry, "wss_95")
    rec, rec_p = _pair(entry, "recall_at_10pct")
    n95, n95_p = _pair(entry, "n_to_95")
    ms, ms_p = run.get("ms_per_step", lit.get("ms_per_step")), peer.get("ms_per_step", np.nan)
    cpu, cpu_p = lit["cpu_seconds"], peer.get("cpu_seconds", np.nan) * len(peer.get("seeds", [1]))
    cpu_ms, cpu_ms_p = _pair(entry, "cpu_ms_per_step")
    print(f"{name[:30]:30} {run.get('n_records', ''):>5} {run.get('n_included', ''):>4} "
          f"{wss:6.3f}/{wss_p:6.3f} {wss - wss_p:+6.3f} {rec:5.3f}/{rec_p:5.3f} "
          f"{n95:5.0f}/{n95_p:5.0f} {ms:5.1f}/{ms_p:5.1f} {ms_p / ms:5.1f} "
          f"{cpu_ms:5.1f}/{cpu_ms_p:5.1f} {cpu:5.0f}/{cpu_p:5.0f}")


def _overall(results: dict) -> dict:
    entries = list(results.values())
    lit = {key: float(np.mean([e["litsieve"][key] for e in entries]))
           for key in (*COLUMNS, "cpu_seconds")}
    lit["cpu_seconds"] *= len(entries)
    lit["vectorize_seconds"] = float(sum(e["litsieve"]["run"]["vectorize_seconds"]
                                         for e in entries))
    lit["ms_per_step"] = float(np.mean([e["litsieve"]["run"]["ms_per_step"] for e in entries]))
    lit["cpu_ms_per_step"] = float(np.mean([e["litsieve"]["cpu_ms_per_step"] for e in entries]))
    overall = {"litsieve": lit}
    if all("asreview" in e for e in entries):
        overall["asreview"] = {key: float(np.mean([e["asreview"][key] for e in entries]))
                               for key in (*COLUMNS[:3], "ms_per_step", "cpu_ms_per_step")}
        overall["asreview"]["cpu_seconds"] = float(sum(
            e["asreview"]["cpu_seconds"] * len(e["asreview"]["seeds"]) for e in entries))
        overall["asreview"]["seeds"] = entries[0]["asreview"]["seeds"]
        diffs = [e["litsieve"]["wss_95"] - e["asreview"]["wss_95"] for e in entries]
        ratios = [e["asreview"]["ms_per_step"] / e["litsieve"]["run"]["ms_per_step"]
                  for e in entries]
        overall["targets"] = {"mean_wss_95_gain": float(np.mean(diffs)),
                              "worst_dataset_wss_95_gain": float(min(diffs)),
                              "slowest_speedup": float(min(ratios))}
    return overall


def _stopping_table(results: dict) -> None:
    """The statistical stopping rule (95 % recall target) in every simulated screening."""
    print(f"\nstopping rule, 95 % recall target: {'stop@':>6} {'saved':>6} "
          f"{'recall@stop mean/min':>21} {'runs >= 0.95':>13}")
    saved_all, safe_all = [], []
    for name, entry in results.items():
        if "litsieve" not in entry:
            continue
        n = entry["litsieve"]["run"]["n_records"]
        seeds = entry["litsieve"]["seeds"]
        saved = [1 - s["stop_at"] / n for s in seeds]
        recall = [s["recall_at_stop"] for s in seeds]
        safe = [r >= 0.95 for r in recall]
        saved_all += saved
        safe_all += safe
        print(f"{name[:34]:34} {np.mean([s['stop_at'] for s in seeds]):6.0f} "
              f"{np.mean(saved):6.3f} {np.mean(recall):10.3f}/{min(recall):.3f} "
              f"{sum(safe):>9}/{len(safe)}")
    print(f"{'all runs':34} {'':6} {np.mean(saved_all):6.3f} {'':21} "
          f"{np.mean(safe_all):13.3f}")
    results["stopping"] = {"saved": float(np.mean(saved_all)),
                           "share_recall_at_least_95": float(np.mean(safe_all)),
                           "runs": len(safe_all)}


if __name__ == "__main__":
    sys.exit(main())
