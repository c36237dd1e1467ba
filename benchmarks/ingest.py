"""Ingest benchmark: litsieve's readers next to Bio.Medline and rispy, and a full import.

Makes 100k-record files by replicating real exports from ../shared/data/exports with new
ids (PubMed MEDLINE from the PubMed web/.nbib samples, Embase RIS from the Embase.com
samples), then measures, each in a fresh process so peak memory is its own:

* parse throughput (records/s) and peak RSS of litsieve's reader (normalised Records,
  with line numbers and every problem checked), of litsieve's tag-level parse alone
  (tag -> values per record, what Bio.Medline and rispy return), and of the peer library
  on the same file;
* a full ``litsieve import`` of the file into a new SQLite review store.

Prints a table and writes JSON (benchmarks/out/ingest.json). Usage::

    python benchmarks/ingest.py [--records 100000] [--out benchmarks/out]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPORTS = ROOT.parent / "shared" / "data" / "exports"
MEDLINE_SAMPLES = [
    "pubmed_medline/nbib__pubmed-balloongui-set.nbib",
    "pubmed_medline/revtools__restoration_pubmed.nbib",
    "pubmed_medline/cff___baseline_pubmed.ris",
]
EMBASE_SAMPLES = ["embase/cff___baseline_embase.ris", "embase/asreview__embase.ris"]
TARGETS = {"throughput_ratio": 1.5, "peak_rss_mb": 300, "import_seconds": 30}


# ---------------------------------------------------------------- making the files
def _medline_records() -> list[str]:
    blocks: list[str] = []
    for rel in MEDLINE_SAMPLES:
        text = (EXPORTS / rel).read_text(encoding="utf-8-sig").replace("\r\n", "\n")
        blocks += [b.strip("\n") for b in re.split(r"\n\s*\n", text) if "PMID- " in b]
    return blocks


def _embase_records() -> list[str]:
    records: list[str] = []
    for rel in EMBASE_SAMPLES:
        text = (EXPORTS / rel).read_text(encoding="utf-8-sig").replace("\r\n", "\n")
        records += [r.strip("\n") + "\nER  - " for r in re.split(r"^ER  -[ ]*$", text, flags=re.M)
                    if "TY  -" in r]
    return records


def make_medline(path: Path, n: int) -> None:
    blocks = _medline_records()
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            block = blocks[i % len(blocks)]
            block = re.sub(r"^PMID- \d+", f"PMID- {40_000_000 + i}", block, count=1, flags=re.M)
            out.write(block + "\n\n")


def make_embase(path: Path, n: int) -> None:
    records = _embase_records()
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            rec = records[i % len(records)]
            rec = re.sub(r"^U2  - L\d+", f"U2  - L{900_000_000 + i}", rec, count=1, flags=re.M)
            rec = re.sub(r"^C5  - \d+", f"C5  - {50_000_000 + i}", rec, count=1, flags=re.M)
            out.write(rec + "\n\n")


# ---------------------------------------------------------------- one measurement
def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _prepare(tool: str, path: Path):
    """Import what ``tool`` needs (outside the timed part) and return the work to time."""
    if tool == "litsieve-medline":
        from screening.readers.medline import MedlineReader

        return lambda: sum(1 for _ in MedlineReader().iter_read(path))
    if tool == "litsieve-medline-tags":
        from screening.readers.medline import iter_medline_records

        return lambda: sum(1 for *_, tags, _ in iter_medline_records(path, "utf-8") if tags)
    if tool == "litsieve-ris":
        from screening.readers.ris import RisReader

        return lambda: sum(1 for _ in RisReader().iter_read(path))
    if tool == "litsieve-ris-tags":
        from screening.readers.ris import _ER, parse_ris_body
        from screening.readers.textio import iter_blocks, iter_chunks

        return lambda: sum(
            1 for block in iter_blocks(iter_chunks(path), _ER) if parse_ris_body(block.text)
        )
    if tool == "Bio.Medline":
        from Bio import Medline

        def bio() -> int:
            with open(path, encoding="utf-8") as handle:
                return sum(1 for _ in Medline.parse(handle))

        return bio
    if tool == "rispy":
        import rispy

        def ris() -> int:
            with open(path, encoding="utf-8-sig") as handle:
                return len(rispy.load(handle))

        return ris
    if tool == "litsieve-import":
        from screening.ingest import import_file
        from screening.store import ReviewStore, sqlite_url

        def full_import() -> int:
            with tempfile.TemporaryDirectory() as tmp, \
                    ReviewStore.connect(sqlite_url(Path(tmp))) as store:
                return import_file(store, path, run_id=store.begin_run("import", {})).n_records

        return full_import
    raise SystemExit(f"unknown tool {tool!r}")


def measure(tool: str, path: Path) -> dict:
    """Run one tool on one file in this process; return records, seconds, peak RSS."""
    work = _prepare(tool, path)
    baseline = _peak_rss_mb()
    started = time.perf_counter()
    n = work()
    seconds = time.perf_counter() - started
    # A large import reads in a child process: count the larger of the two peaks.
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"tool": tool, "records": n, "seconds": seconds, "records_per_s": n / seconds,
            "peak_rss_mb": max(_peak_rss_mb(), children), "parent_rss_mb": _peak_rss_mb(),
            "child_rss_mb": children, "baseline_rss_mb": baseline}


def run_child(tool: str, path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", tool, str(path)],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{tool} failed on {path}:\n{done.stderr}")
    return json.loads(done.stdout)


# ---------------------------------------------------------------- the table
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--measure", nargs=2, metavar=("TOOL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]))))
        return 0
    if not EXPORTS.is_dir():
        print(f"skipped: the real exports are not available ({EXPORTS} is absent)")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    data = args.out / "data"
    data.mkdir(exist_ok=True)
    medline = data / f"pubmed_{args.records}.nbib"
    embase = data / f"embase_{args.records}.ris"
    print(f"Making {args.records:,}-record files in {data} ...", flush=True)
    make_medline(medline, args.records)
    make_embase(embase, args.records)
    plan = [
        ("PubMed MEDLINE", medline, ["litsieve-medline", "litsieve-medline-tags", "Bio.Medline",
                                     "litsieve-import"], "Bio.Medline"),
        ("Embase RIS", embase, ["litsieve-ris", "litsieve-ris-tags", "rispy", "litsieve-import"],
         "rispy"),
    ]
    results = []
    header = (f"{'format':<15} {'tool':<22} {'records':>9} {'seconds':>8} {'records/s':>10} "
              f"{'vs peer':>8} {'peak RSS MB':>11}")
    print(header)
    print("-" * len(header))
    for label, path, tools, peer in plan:
        rows = {tool: run_child(tool, path) for tool in tools}
        for tool in tools:
            row = rows[tool] | {"format": label, "file": str(path),
                                "size_mb": path.stat().st_size / 1e6}
            ratio = row["records_per_s"] / rows[peer]["records_per_s"]
            row["ratio_vs_peer"] = ratio if tool != "litsieve-import" else None
            results.append(row)
            shown = f"{ratio:>7.2f}x" if row["ratio_vs_peer"] is not None else f"{'':>8}"
            print(f"{label:<15} {tool:<22} {row['records']:>9,} {row['seconds']:>8.2f} "
                  f"{row['records_per_s']:>10,.0f} {shown} {row['peak_rss_mb']:>11.0f}", flush=True)
    out = args.out / "ingest.json"
    out.write_text(json.dumps({"records": args.records, "targets": TARGETS, "results": results},
                              indent=2))
    print(f"\nTargets: reader >= {TARGETS['throughput_ratio']}x the peer library, peak RSS <= "
          f"{TARGETS['peak_rss_mb']} MB, full import <= {TARGETS['import_seconds']} s. "
          f"JSON: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
