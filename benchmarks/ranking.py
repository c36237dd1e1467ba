"""Ranking benchmark: simulated screening on the labelled reviews in ../shared/data/screening.

For every dataset (CSV: title, abstract, label_included) and every seed, litsieve starts
from one random relevant and one random irrelevant record and screens one record at a time
in ranked order until every relevant record is found (``screening.rank.simulate``). Prints
per dataset and overall: WSS@95, recall@10 %, records to 95 % recall, the statistical stop
point, time per retrain-and-rank step and total CPU time; writes benchmarks/out/ranking.json.

``--peer`` also runs ASReview LAB 3.x (its default model, ELAS u4) in its own virtual
environment (benchmarks/out/asreview-venv, ``pip install asreview``; never a dependency of
litsieve) with ``asreview simulate`` and the same prior records, and reports the same
metrics side by side. (The peer mode was written against ASReview's documented CLI and has
not been run here yet.)

    python benchmarks/ranking.py [--seeds 5] [--datasets Donners Sep] [--model logistic]
                                 [--batch-size 1] [--peer]
"""

from __future__ import annotations

import argparse
import json
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

from screening.rank.metrics import screening_metrics  # noqa: E402
from screening.rank.simulate import load_labeled, simulate  # noqa: E402

COLUMNS = ("wss_95", "recall_at_10pct", "n_to_95", "stop_at", "recall_at_stop")


def run_litsieve(path: Path, *, seeds: int, model: str, batch_size: int) -> dict:
    cpu, wall = time.process_time(), time.perf_counter()
    summary = simulate(path, OUT / "ranking" / path.stem, seeds=seeds, model=model,
                       batch_size=batch_size)
    summary["cpu_seconds"] = time.process_time() - cpu
    summary["wall_seconds"] = time.perf_counter() - wall
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


def run_asreview(path: Path, summary: dict) -> dict:
    """The same priors as litsieve's seeds; ASReview's record ids are 0-based row numbers."""
    exe = asreview_bin()
    _, y = load_labeled(path)
    seeds = []
    for seed in summary["seeds"]:
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp) / "sim.asreview"
            started = time.perf_counter()
            subprocess.run([str(exe), "simulate", str(path), "-o", str(project),
                            "--prior-idx", *map(str, seed["priors"]),
                            "--seed", str(seed["seed"])], check=True, capture_output=True,
                           cwd=tmp)  # ASReview writes a cache file into its working directory
            seconds = time.perf_counter() - started
            order = _asreview_order(project)
        labels = y[np.asarray(order, dtype=np.int64)]
        metrics = screening_metrics(labels[: int(np.flatnonzero(labels)[-1]) + 1], y.size)
        seeds.append({**metrics, "seconds": seconds, "seed": seed["seed"]})
    return {key: float(np.mean([s[key] for s in seeds])) for key in seeds[0]} | {
        "seeds": seeds}


def _asreview_order(project: Path) -> list[int]:
    with zipfile.ZipFile(project) as archive, tempfile.TemporaryDirectory() as tmp:
        name = next(n for n in archive.namelist() if n.endswith("results.db"))
        db = archive.extract(name, tmp)
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT record_id FROM results ORDER BY rowid").fetchall()
    return [int(r[0]) for r in rows]


# ---------------------------------------------------------------- report
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--datasets", nargs="*", help="substrings of dataset file names")
    parser.add_argument("--model", default="logistic")
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--peer", action="store_true", help="also run ASReview LAB 3.x")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"skipped: the labelled screening datasets are absent ({DATA})")
        return 0
    paths = sorted(DATA.glob("*.csv"))
    if args.datasets:
        paths = [p for p in paths if any(s.lower() in p.name.lower() for s in args.datasets)]
    results = {}
    header = (f"{'dataset':44} {'N':>5} {'R':>4} {'WSS@95':>7} {'rec@10%':>8} {'n→95%':>7} "
              f"{'stop@':>6} {'rec@stop':>8} {'ms/step':>8} {'CPU s':>7}")
    print(header)
    for path in paths:
        summary = run_litsieve(path, seeds=args.seeds, model=args.model,
                               batch_size=args.batch_size)
        entry = {"litsieve": summary}
        _row(path.stem, summary, summary["run"]["ms_per_step"], summary["cpu_seconds"])
        if args.peer:
            peer = run_asreview(path, summary)
            entry["asreview"] = peer
            _row("  asreview", {**summary["run"], **peer}, float("nan"), float("nan"))
        results[path.stem] = entry
    if results:
        overall = {key: float(np.mean([r["litsieve"][key] for r in results.values()]))
                   for key in (*COLUMNS, "cpu_seconds")}
        overall["ms_per_step"] = float(np.mean(
            [r["litsieve"]["run"]["ms_per_step"] for r in results.values()]))
        print(f"{'overall (mean of datasets)':44} {'':>5} {'':>4} {overall['wss_95']:7.3f} "
              f"{overall['recall_at_10pct']:8.3f} {overall['n_to_95']:7.1f} "
              f"{overall['stop_at']:6.0f} {overall['recall_at_stop']:8.3f} "
              f"{overall['ms_per_step']:8.1f} {overall['cpu_seconds'] * len(paths):7.1f}")
        results["overall"] = overall
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ranking.json").write_text(json.dumps(results, indent=2, default=repr) + "\n",
                                      encoding="utf-8")
    print(f"wrote {OUT / 'ranking.json'}")
    return 0


def _row(name: str, summary: dict, ms: float, cpu: float) -> None:
    run = summary.get("run", summary)
    print(f"{name[:44]:44} {run.get('n_records', 0):5} {run.get('n_included', 0):4} "
          f"{summary['wss_95']:7.3f} {summary['recall_at_10pct']:8.3f} "
          f"{summary['n_to_95']:7.1f} {summary.get('stop_at', float('nan')):6.0f} "
          f"{summary.get('recall_at_stop', float('nan')):8.3f} {ms:8.1f} {cpu:7.1f}")


if __name__ == "__main__":
    sys.exit(main())
