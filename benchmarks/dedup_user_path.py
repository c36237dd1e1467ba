"""The dedup benchmark's headline path: what a user runs, from export files to clusters.

Each labelled corpus is written as one RIS export (rispy: ``TY``, ``AU``, ``TI``, ``T2``,
``PY``, ``VL``, ``IS``, ``SP``/``EP``, ``AB``, ``DO``, ``SN``, ``UR``, ``PB``), then taken
through the CLI in processes of their own, as a user would: ``litsieve init``, ``litsieve
import --format ris --quarantine`` (records with a garbled field are quarantined today, so
they count as missed), ``litsieve dedup``, and ``litsieve export``, whose ``cluster_id``
column gives the clusters. Time is import plus dedup; peak memory is the larger of the two
processes' own (VmHWM, written by :func:`cli_with_peak`).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import rispy

__all__ = ["cli_with_peak", "run_user_path", "write_ris"]

_TYPES = {"article": "JOUR", "inproceedings": "CONF", "proceedings": "CONF", "book": "BOOK",
          "incollection": "CHAP", "inbook": "CHAP", "techreport": "RPRT", "phdthesis": "THES",
          "mastersthesis": "THES"}


class _PlainRis(rispy.RisWriter):
    """rispy's writer without the "1." counter line it writes before each record (a line
    outside records, which litsieve, like the databases' RIS, does not expect)."""

    def set_header(self, count: int) -> str:
        return ""


def _clean(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return " ".join(str(value).split())  # RIS values are one line each


def _entry(row: dict) -> dict:
    entry = {"type_of_reference": _TYPES.get(_clean(row.get("ENTRYTYPE")).lower(), "GEN")}
    authors = [a.strip() for a in _clean(row.get("author")).split(" and ") if a.strip()]
    if authors:
        entry["authors"] = authors
    pages = _clean(row.get("pages"))
    first, dash, last = pages.partition("-")
    fields = {
        "title": row.get("title"),
        "secondary_title": row.get("journal") if _clean(row.get("journal"))
        else row.get("booktitle"),
        "year": row.get("year"), "volume": row.get("volume"), "number": row.get("number"),
        "start_page": first if dash else pages, "end_page": last if dash else "",
        "abstract": row.get("abstract"), "doi": row.get("doi"), "issn": row.get("isbn"),
        "publisher": row.get("publisher"),
    }
    entry.update({key: text for key, value in fields.items() if (text := _clean(value))})
    if _clean(row.get("url")):
        entry["urls"] = [_clean(row.get("url"))]
    return entry


def write_ris(records: pd.DataFrame, path: Path) -> list[str]:
    """Write ``records`` (the benchmark's CSV columns) as one RIS file; returns their ids in
    file order."""
    rows = records.to_dict("records")
    with path.open("w", encoding="utf-8") as handle:
        rispy.dump([_entry(row) for row in rows], handle, implementation=_PlainRis)
    return [row["ID"] for row in rows]


def cli_with_peak(peak_file: str, args: list[str]) -> int:
    """Run ``litsieve ARGS`` in this process and write its peak resident MB to a file."""
    from screening.cli import main

    try:
        return main(args)
    finally:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                Path(peak_file).write_text(str(int(line.split()[1]) / 1024))


def _litsieve(work: Path, step: str, *args: str) -> tuple[float, float]:
    """One CLI command in a process of its own: (seconds, peak MB)."""
    peak = work / f"peak-{step}.txt"
    env = {k: v for k, v in os.environ.items() if k != "LITSIEVE_DATABASE_URL"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(Path(__file__).resolve().parent / "dedup.py"),
                           "--cli-peak", str(peak), *args], capture_output=True, text=True,
                          env=env, check=False)
    seconds = time.perf_counter() - started
    (work / f"{step}.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
        raise RuntimeError(f"litsieve {step} failed ({done.returncode}): {' '.join(tail)}")
    return seconds, float(peak.read_text())


def run_user_path(records: pd.DataFrame, work: Path, name: str) -> dict:
    """Export file -> import -> store -> dedup -> export, timed as a user runs it."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    ris = work / f"{name}.ris"
    ids = write_ris(records, ris)
    starts = [number for number, line in enumerate(ris.open(encoding="utf-8"), 1)
              if line.startswith("TY  - ")]
    by_line = dict(zip(starts, ids, strict=True))
    review = work / "review"
    _litsieve(work, "init", "init", str(review))
    import_s, import_mb = _litsieve(work, "import", "import", str(review), str(ris),
                                    "--format", "ris", "--quarantine")
    dedup_s, dedup_mb = _litsieve(work, "dedup", "dedup", str(review))
    exported = work / "records.csv"
    _litsieve(work, "export", "export", str(review), "--output", str(exported))
    clusters: dict[str, list[str]] = {}
    rejects = 0
    with exported.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["status"] != "ok":
                rejects += 1
            if row["cluster_id"]:
                clusters.setdefault(row["cluster_id"], []).append(by_line[int(row["line"])])
    return {"clusters": [ids for ids in clusters.values() if len(ids) > 1],
            "seconds": import_s + dedup_s, "import_seconds": import_s,
            "peak_mb": max(import_mb, dedup_mb), "rejects": rejects,
            "maybe": _maybe_count(work / "dedup.log")}


def _maybe_count(log: Path) -> int:
    """The pairs left for a person, as ``litsieve dedup`` reports them."""
    words = log.read_text().replace(",", "").split()
    for index, word in enumerate(words):
        if word == "pairs" and words[index + 1:index + 4] == ["for", "a", "person"]:
            return int(words[index - 1])
    return 0
