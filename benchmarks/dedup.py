"""Deduplication benchmark: litsieve next to bib-dedupe on bib-dedupe's labelled corpora.

The labelled benchmark ships inside the PyPI wheel ``bib-dedupe==0.7.2`` (10 real review
corpora: records_pre_merged.csv and merged_record_ids.csv, one true cluster per row). This
script downloads that wheel once (pip download, into --cache), reads it as a zip file,
and runs, each in a fresh process so time and peak memory are its own:

* litsieve, the headline: the path a user runs (benchmarks/dedup_user_path.py): the
  corpus written as a RIS export, then ``litsieve init``, ``import``, ``dedup`` and
  ``export`` as commands; time is import plus dedup;
* litsieve-frame: the engine on a frame built straight from the CSV
  (``screening.dedup.engine``), for comparison: a shortcut no user takes;
* bib-dedupe (newest, in its own virtual environment made here: never a dependency of
  litsieve): prep -> block -> match -> cluster.

It prints per corpus and pooled: true pairs, found pairs, false pairs, precision,
recall, F1, studies lost (distinct studies swallowed by a predicted cluster), wall time,
peak memory and (litsieve) blocking recall, the share of true pairs blocking compared;
and writes JSON (benchmarks/out/dedup.json). ``--scale`` also times litsieve on all
corpora concatenated (ids renamed), about 160k records, or N copies.

The labels have errors (the data README names two). Corrections checked by hand, each
with its reason, are kept in benchmarks/dedup_adjudications.json; after the table under
the labels as shipped, a second table scores both tools on the corrected labels.

    python benchmarks/dedup.py [--corpora stroke cardiac ...] [--no-peer] [--scale 3]
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
WHEEL_VERSION = "0.7.2"
CORPORA = ("cardiac", "cytology_screening", "depression", "diabetes", "digital_work",
           "haematology", "neuroimaging", "respiratory", "srsr", "stroke")


# ---------------------------------------------------------------- data
def wheel_path(cache: Path) -> Path:
    found = sorted(cache.glob(f"bib_dedupe-{WHEEL_VERSION}-*.whl"))
    if found:
        return found[0]
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    f"bib-dedupe=={WHEEL_VERSION}", "-d", str(cache)], check=True)
    return sorted(cache.glob(f"bib_dedupe-{WHEEL_VERSION}-*.whl"))[0]


def load_records(wheel: Path, corpus: str):
    import pandas as pd

    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist()
                 if n.startswith(f"bib_dedupe/data/{corpus}/records_pre_merged")]
        frames = [pd.read_csv(io.BytesIO(archive.read(n)), dtype=str) for n in sorted(names)]
    return pd.concat(frames, ignore_index=True)


def true_clusters(wheel: Path, corpus: str) -> list[list[str]]:
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(f"bib_dedupe/data/{corpus}/merged_record_ids.csv").decode()
    # One srsr row is malformed ('"id_0007783;id_0027924";id_0007419'): quotes are not
    # part of any id, so drop them all rather than keep an id no record has.
    rows = [line.replace('"', "").strip() for line in text.splitlines()[1:] if line.strip()]
    return [row.split(";") for row in rows]


def as_litsieve_frame(records):
    frame = records.rename(columns={"ID": "record_id", "author": "authors", "number": "issue"})
    if "booktitle" in frame.columns:
        journal = frame["journal"] if "journal" in frame.columns else frame["booktitle"]
        frame["journal"] = journal.fillna(frame["booktitle"])
    return frame


# ---------------------------------------------------------------- one run, in a child
def run_tool(tool: str, wheel: Path, corpus: str, copies: int, result: Path) -> None:
    import pandas as pd

    if corpus == "all":
        parts = []
        for copy in range(copies):
            for name in CORPORA:
                part = load_records(wheel, name)
                part["ID"] = f"{name}{copy}_" + part["ID"]
                parts.append(part)
        records = pd.concat(parts, ignore_index=True)
    else:
        records = load_records(wheel, corpus)
    if tool == "litsieve":
        from dedup_user_path import run_user_path

        run = run_user_path(records, OUT / "user-path" / f"{corpus}-x{copies}", corpus)
        result.write_text(json.dumps({**run, "records": len(records),
                                      "blocking_recall": None}))
        return
    started = time.perf_counter()
    blocking_recall = None
    if tool == "litsieve-frame":
        from screening.dedup.engine import compare_pairs, conclude, prepare

        prepared = prepare(as_litsieve_frame(records))
        outcome = conclude(prepared, compare_pairs(prepared.normalized, prepared.pairs,
                                                   workers=2))
        groups = outcome.clusters.groupby("cluster_id")["record_id"].apply(list)
        clusters = [ids for ids in groups if len(ids) > 1]
        maybe = outcome.n_maybe
    else:
        import bib_dedupe.bib_dedupe as bd

        prepared = bd.prep(records, verbosity_level=0)
        matched = bd.match(bd.block(prepared, verbosity_level=0), verbosity_level=0)
        clusters = [sorted(ids) for ids in bd.cluster(matched, verbosity_level=0) if len(ids) > 1]
        maybe = int((matched.get("duplicate_label") == "maybe").sum()) if hasattr(
            matched, "get") else 0
    seconds = time.perf_counter() - started
    peak = peak_mb()
    if tool == "litsieve-frame" and corpus != "all":
        # Blocking recall: the share of true pairs that blocking put in some block (after
        # the timing: it is the benchmark's measurement, not litsieve's work).
        ids = prepared.normalized["record_id"].to_numpy()
        blocked = {tuple(sorted(pair)) for pair in ids[prepared.pairs].tolist()}
        true = pairs_of(true_clusters(wheel, corpus))
        blocking_recall = len(true & blocked) / len(true) if true else 1.0
    result.write_text(json.dumps({"clusters": clusters, "seconds": seconds, "peak_mb": peak,
                                  "records": len(records), "maybe": maybe,
                                  "blocking_recall": blocking_recall}))


def peak_mb() -> float:
    """This process's peak resident memory in MB.

    Linux's ru_maxrss carries the parent's resident size at the fork over the exec, so a
    child of a large parent would report the parent's size; VmHWM is this program's own.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(python: str, tool: str, wheel: Path, corpus: str, copies: int = 1) -> dict:
    result = OUT / f"dedup-{tool}-{corpus}.json"
    done = subprocess.run([python, __file__, "--run", tool, str(wheel), corpus, str(copies),
                           str(result)], capture_output=True, text=True, check=False,
                          cwd=ROOT)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(result.read_text())


# ---------------------------------------------------------------- metrics
def pairs_of(clusters: list[list[str]]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for ids in clusters:
        found.update(itertools.combinations(sorted(set(ids)), 2))
    return found


def score(predicted: list[list[str]], truth: list[list[str]]) -> dict:
    true_pairs, found = pairs_of(truth), pairs_of(predicted)
    tp = len(found & true_pairs)
    fp = len(found - true_pairs)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(true_pairs) if true_pairs else 1.0
    study = {record: index for index, ids in enumerate(truth) for record in ids}
    lost = sum(len({study.get(r, r) for r in ids}) - 1 for ids in predicted)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"true_pairs": len(true_pairs), "found_pairs": len(found), "tp": tp,
            "false_pairs": fp, "precision": precision, "recall": recall, "f1": f1,
            "studies_lost": lost}


# ---------------------------------------------------------------- labels adjudicated by hand
ADJUDICATIONS = ROOT / "benchmarks" / "dedup_adjudications.json"


def load_adjudications(path: Path) -> list[dict]:
    """The hand adjudications of the labels: changes, each ``join`` or ``split``, with why.

    ``join``: the listed records are one item (their true clusters become one).
    ``split``: the listed records are an item of their own (they leave their clusters and
    form one together). Raises ValueError naming the file and the change that is wrong.
    """
    try:
        changes = json.loads(path.read_text())["changes"]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: not an adjudications file (a JSON object with a list "
                         f"'changes'): {error}") from None
    if not isinstance(changes, list):
        raise ValueError(f"{path}: 'changes' must be a list")
    for number, change in enumerate(changes, start=1):
        where = f"{path}: change {number}"
        actions = [a for a in ("join", "split") if a in change]
        if len(actions) != 1:
            raise ValueError(f"{where}: give exactly one of 'join' or 'split'")
        action, ids = actions[0], change[actions[0]]
        least = 2 if action == "join" else 1
        if not isinstance(ids, list) or len(ids) < least:
            raise ValueError(f"{where}: '{action}' needs a list of {least} or more record ids")
        if change.get("corpus") not in CORPORA:
            raise ValueError(f"{where}: unknown corpus {change.get('corpus')!r}")
        if not str(change.get("reason", "")).strip():
            raise ValueError(f"{where}: say why (a 'reason')")
    return changes


def adjudicate(truth: list[list[str]], changes: list[dict], corpus: str,
               record_ids: set[str], source: Path = ADJUDICATIONS) -> list[list[str]]:
    """The true clusters of ``corpus`` with the adjudications' changes applied, in order."""
    clusters = [set(ids) for ids in truth]
    for number, change in enumerate(changes, start=1):
        if change["corpus"] != corpus:
            continue
        action = "join" if "join" in change else "split"
        ids = set(change[action])
        unknown = sorted(ids - record_ids)
        if unknown:
            raise ValueError(f"{source}: change {number}: no record {', '.join(unknown)} "
                             f"in corpus {corpus}")
        touched = [c for c in clusters if c & ids]
        clusters = [c for c in clusters if not c & ids]
        if action == "join":
            clusters.append(ids.union(*touched))
        else:
            clusters.extend(c - ids for c in touched)
            clusters.append(ids)
    return [sorted(c) for c in clusters if len(c) > 1]


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.5f}"


def peer_python(path: str | None) -> str:
    if path:
        return path
    venv = OUT / "peer-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"Installing bib-dedupe (newest) into {venv} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "bib-dedupe", "pandas"],
                       check=True)
    return str(python)


def pooled(rows: list[dict], tool: str, key: str | None = None) -> dict | None:
    """One tool's rows pooled (``key``: the scores under adjudicated labels)."""
    done = [r for r in rows if r["tool"] == tool and "error" not in r and r["corpus"] in CORPORA]
    if not done:
        return None
    scores = [r[key] if key else r for r in done]
    tp = sum(r["tp"] for r in scores)
    true = sum(r["true_pairs"] for r in scores)
    found = sum(r["found_pairs"] for r in scores)
    row = {"corpus": "pooled", "tool": tool, "true_pairs": true, "found_pairs": found, "tp": tp,
           "false_pairs": found - tp, "precision": tp / found if found else 1.0,
           "recall": tp / true if true else 1.0,
           "studies_lost": sum(r["studies_lost"] for r in scores),
           "seconds": sum(r["seconds"] for r in done)}
    if not key and all(r.get("blocking_recall") is not None for r in done):
        row["blocking_recall"] = sum(r["blocking_recall"] * r["true_pairs"]
                                     for r in done) / true if true else 1.0
    return row


def print_adjudicated(rows: list[dict], totals: list[dict], changes: int, source: Path) -> None:
    """The second table: every tool's scores on the labels corrected by hand."""
    print(f"\nLabels adjudicated by hand ({changes} changes in {source.name}, each with its "
          f"reason), both tools scored on them:")
    header = (f"{'corpus':<19} {'tool':<14} {'true':>6} {'found':>6} {'false':>5} "
              f"{'precision':>9} {'recall':>7} {'lost':>4}")
    print(header)
    print("-" * len(header))
    for row in [r for r in rows if "adjudicated" in r] + totals:
        a = row.get("adjudicated", row)
        print(f"{row['corpus']:<19} {row['tool']:<14} {a['true_pairs']:>6} {a['found_pairs']:>6} "
              f"{a['false_pairs']:>5} {a['precision']:>9.5f} {a['recall']:>7.5f} "
              f"{a['studies_lost']:>4}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", nargs="*", default=list(CORPORA))
    parser.add_argument("--cache", type=Path, default=OUT / "cache")
    parser.add_argument("--no-peer", action="store_true", help="run litsieve only")
    parser.add_argument("--peer-python", help="a python with bib-dedupe installed")
    parser.add_argument("--scale", type=int, default=0,
                        help="also time litsieve on all corpora concatenated N times")
    parser.add_argument("--adjudications", type=Path, default=ADJUDICATIONS,
                        help="labels corrected by hand, applied to both tools in a second "
                             "table (default: %(default)s)")
    parser.add_argument("--run", nargs=5, help=argparse.SUPPRESS)
    if sys.argv[1:2] == ["--cli-peak"]:  # one litsieve command of the user path
        from dedup_user_path import cli_with_peak

        return cli_with_peak(sys.argv[2], sys.argv[3:])
    args = parser.parse_args()
    if args.run:
        tool, wheel, corpus, copies, result = args.run
        run_tool(tool, Path(wheel), corpus, int(copies), Path(result))
        return 0
    changes = load_adjudications(args.adjudications)
    OUT.mkdir(parents=True, exist_ok=True)
    wheel = wheel_path(args.cache)
    tools = {"litsieve": sys.executable, "litsieve-frame": sys.executable}
    if not args.no_peer:
        tools["bib-dedupe"] = peer_python(args.peer_python)
    header = (f"{'corpus':<19} {'tool':<14} {'records':>8} {'rejects':>7} {'true':>6} "
              f"{'found':>6} {'false':>5} {'precision':>9} {'recall':>7} {'F1':>6} {'lost':>4} "
              f"{'maybe':>5} {'seconds':>8} {'peak MB':>7} {'blocking':>8}")
    print("Labels as shipped in the wheel:")
    print(header)
    print("-" * len(header))
    rows = []
    for corpus in args.corpora:
        truth = true_clusters(wheel, corpus)
        corrected = adjudicate(truth, changes, corpus, set(load_records(wheel, corpus)["ID"]),
                               args.adjudications)
        for tool, python in tools.items():
            run = child(python, tool, wheel, corpus)
            if "error" in run:
                print(f"{corpus:<19} {tool:<14} failed: {run['error']}", flush=True)
                rows.append({"corpus": corpus, "tool": tool, "error": run["error"]})
                continue
            row = {"corpus": corpus, "tool": tool, "records": run["records"],
                   "rejects": run.get("rejects"), "import_seconds": run.get("import_seconds"),
                   "seconds": run["seconds"], "peak_mb": run["peak_mb"], "maybe": run["maybe"],
                   "blocking_recall": run.get("blocking_recall"),
                   **score(run["clusters"], truth),
                   "adjudicated": score(run["clusters"], corrected)}
            rows.append(row)
            rejects = "" if row["rejects"] is None else row["rejects"]
            print(f"{corpus:<19} {tool:<14} {row['records']:>8,} {rejects:>7} "
                  f"{row['true_pairs']:>6} {row['found_pairs']:>6} {row['false_pairs']:>5} "
                  f"{row['precision']:>9.5f} "
                  f"{row['recall']:>7.5f} {row['f1']:>6.4f} {row['studies_lost']:>4} "
                  f"{row['maybe']:>5} {row['seconds']:>8.1f} {row['peak_mb']:>7.0f} "
                  f"{_share(row['blocking_recall']):>8}", flush=True)
    totals = [t for t in (pooled(rows, tool) for tool in tools) if t]
    for total in totals:
        print(f"{'pooled':<19} {total['tool']:<14} {'':>8} {'':>7} {total['true_pairs']:>6} "
              f"{total['found_pairs']:>6} {total['false_pairs']:>5} {total['precision']:>9.5f} "
              f"{total['recall']:>7.5f} {'':>6} {total['studies_lost']:>4} {'':>5} "
              f"{total['seconds']:>8.1f} {'':>7} {_share(total.get('blocking_recall')):>8}")
    corrected_totals = [{**t, "labels": "adjudicated"}
                        for t in (pooled(rows, tool, "adjudicated") for tool in tools) if t]
    print_adjudicated(rows, corrected_totals,
                      sum(c["corpus"] in args.corpora for c in changes), args.adjudications)
    rows.extend(totals + corrected_totals)
    if args.scale:
        print(f"\nAll corpora x{args.scale} (ids renamed):")
        for tool in ("litsieve", "litsieve-frame"):
            run = child(sys.executable, tool, wheel, "all", args.scale)
            rows.append({"corpus": f"all x{args.scale}", "tool": tool, **{
                k: run.get(k) for k in ("records", "rejects", "import_seconds", "seconds",
                                        "peak_mb", "error")}})
            if "error" in run:
                print(f"{tool:<14} failed: {run['error']}")
                continue
            print(f"{tool:<14} {run['records']:,} records in {run['seconds']:.1f} s"
                  + (f" (import {run['import_seconds']:.1f} s)" if run.get("import_seconds")
                     else "") + f", peak {run['peak_mb']:.0f} MB")
    (OUT / "dedup.json").write_text(json.dumps(rows, indent=1))
    print(f"\nJSON: {OUT / 'dedup.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
