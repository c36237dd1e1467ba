"""Load on the reviewers' web app: many reviewers screening one large review at once.

The path a team runs: a synthetic export of N records (default 50,000) goes through
``litsieve init`` and ``litsieve import``; reviewers get accounts and API tokens from
``litsieve reviewer add/token``; ``litsieve web DIR --workers W`` serves the review. Then C
clients (default 20), each with its own token and HTTP session, loop for S seconds: take
the next record (``GET /api/queue/next``) and post a vote (``POST /api/decisions``).

Checked afterwards against the clients' own logs and the store: no acknowledged vote is
lost, none is doubled, and no record has more votes than ``[screening] votes`` asks.
Reported: p50/p95/p99 latency of both calls and votes/s, on SQLite and on PostgreSQL.
``--busy`` runs a second round in which the ranker retrains in the background and a
``litsieve import`` of another 10,000 records runs during the load.

    python benchmarks/web_load.py [--records 50000] [--clients 20] [--seconds 60]
        [--workers 2] [--votes 2] [--postgres URL] [--busy] [--json out.json]

Prints a table and writes JSON (default benchmarks/out/web_load.json).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
LITSIEVE = [str(Path(sys.executable).with_name("litsieve"))]
WORDS = ("ketamine pain trial opioid nerve block infusion dose cohort survey rats mice "
         "depression anaesthesia surgery children adults placebo saline lidocaine neuropathic "
         "fibromyalgia migraine randomised crossover headache cancer postoperative").split()


def synthetic_ris(path: Path, n: int, seed: int, offset: int = 0) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(offset, offset + n):
            title = " ".join(rng.choice(WORDS) for _ in range(10)) + f" (study {i})"
            abstract = " ".join(rng.choice(WORDS) for _ in range(60))
            out.write(f"TY  - JOUR\nTI  - {title}\nAU  - Author{i}, A.\nPY  - "
                      f"{2000 + i % 24}\nJO  - Journal {i % 300}\nAB  - {abstract}\n"
                      f"DO  - 10.5555/load.{i}\nER  - \n\n")


def cli(*args: object, env: dict | None = None, stdin: str | None = None) -> str:
    done = subprocess.run([*LITSIEVE, *map(str, args)], capture_output=True, text=True,
                          input=stdin, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"litsieve {' '.join(map(str, args))} failed:\n{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan")}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": 1000 * cuts[49], "p95": 1000 * cuts[94], "p99": 1000 * cuts[98]}


class Client(threading.Thread):
    def __init__(self, base: str, token: str, stop_at: float, seed: int) -> None:
        super().__init__(daemon=True)
        self.base, self.stop_at = base, stop_at
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.rng = random.Random(seed)
        self.next_times: list[float] = []
        self.post_times: list[float] = []
        self.acknowledged: list[tuple[str, int]] = []  # (record_id, vote_id)
        self.errors: list[str] = []

    def run(self) -> None:
        while time.perf_counter() < self.stop_at:
            started = time.perf_counter()
            got = self.session.get(f"{self.base}/api/queue/next",
                                   params={"stage": "title_abstract"}, timeout=30)
            self.next_times.append(time.perf_counter() - started)
            if got.status_code == 204:
                time.sleep(0.2)
                continue
            if got.status_code != 200:
                self.errors.append(f"next {got.status_code} {got.text[:200]}")
                continue
            record = got.json()["record_id"]
            outcome = "include" if self.rng.random() < 0.05 else "exclude"
            started = time.perf_counter()
            posted = self.session.post(f"{self.base}/api/decisions", timeout=30, json={
                "record_id": record, "stage": "title_abstract", "outcome": outcome})
            self.post_times.append(time.perf_counter() - started)
            if posted.status_code == 201:
                self.acknowledged.append((record, posted.json()["vote_id"]))
            elif posted.status_code != 409:
                self.errors.append(f"post {posted.status_code} {posted.text[:200]}")


def prepare(directory: Path, records: int, votes: int, clients: int,
            env: dict) -> list[str]:
    export = directory.parent / "load.ris"
    synthetic_ris(export, records, seed=1)
    cli("init", directory, env=env)
    config = directory / "litsieve.toml"
    config.write_text(config.read_text(encoding="utf-8")
                      + f"\n[screening]\nvotes = {votes}\nretrain_every = 200\n",
                      encoding="utf-8")
    started = time.perf_counter()
    cli("import", directory, export, "--database", "Embase", env=env)
    print(f"  imported {records:,} records in {time.perf_counter() - started:.1f} s")
    tokens = []
    for i in range(clients):
        who = f"r{i:02d}"
        cli("reviewer", "add", directory, who, "--name", f"Reviewer {i}", "--role", "reviewer",
            "--password-stdin", stdin="load-test-password\n", env=env)
        tokens.append(cli("reviewer", "token", directory, who, env=env).split()[-1])
    return tokens


def check_store(store_url: str | None, directory: Path, clients: list[Client],
                votes: int) -> dict:
    from screening.review_dir import open_review

    review = open_review(directory)
    with review.open_store(store_url) as store, store.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT vote_id, record_id, reviewer_id, kind FROM votes")).all()
        per_record = conn.execute(sa.text(
            "SELECT record_id, count(DISTINCT reviewer_id) FROM votes WHERE kind = 'vote' "
            "GROUP BY record_id")).all()
        decided = conn.execute(sa.text(
            "SELECT count(DISTINCT record_id) FROM decisions WHERE stage = 'title_abstract'"
        )).scalar_one()
    stored = {int(r.vote_id): r.record_id for r in rows}
    acknowledged = [(rec, vid) for c in clients for rec, vid in c.acknowledged]
    lost = [vid for rec, vid in acknowledged if stored.get(vid) != rec]
    doubled = len(acknowledged) - len({vid for _, vid in acknowledged})
    over = [rec for rec, n in per_record if n > votes]
    return {"acknowledged": len(acknowledged), "stored_votes": len(stored), "lost": len(lost),
            "doubled": doubled, "over_voted_records": len(over), "decided_records": decided}


def one_round(label: str, directory: Path, tokens: list[str], *, workers: int, seconds: float,
              votes: int, env: dict, store_url: str | None, busy: bool) -> dict:
    port = free_port()
    server = subprocess.Popen([*LITSIEVE, "web", str(directory), "--port", str(port),
                               "--workers", str(workers)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if requests.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            raise SystemExit(f"litsieve web did not start: {server.stderr.read()}")
        background = None
        if busy:
            extra = directory.parent / "more.ris"
            synthetic_ris(extra, 10_000, seed=2, offset=10_000_000)
            background = subprocess.Popen([*LITSIEVE, "import", str(directory), str(extra),
                                           "--database", "PubMed"], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stop_at = time.perf_counter() + seconds
        clients = [Client(base, token, stop_at, seed=i) for i, token in enumerate(tokens)]
        started = time.perf_counter()
        for c in clients:
            c.start()
        for c in clients:
            c.join()
        elapsed = time.perf_counter() - started
        if background is not None:
            background.wait(timeout=600)
    finally:
        server.terminate()
        server.wait(timeout=60)
    result = {
        "round": label, "workers": workers, "clients": len(tokens), "seconds": elapsed,
        "queue_next_ms": percentiles([t for c in clients for t in c.next_times]),
        "post_decision_ms": percentiles([t for c in clients for t in c.post_times]),
        "errors": [e for c in clients for e in c.errors][:10],
        "n_errors": sum(len(c.errors) for c in clients),
    }
    result.update(check_store(store_url, directory, clients, votes))
    result["votes_per_s"] = result["acknowledged"] / elapsed
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--votes", type=int, default=2, choices=(1, 2))
    parser.add_argument("--postgres", default=os.environ.get("LITSIEVE_TEST_DATABASE_URL"),
                        help="PostgreSQL URL for the second store (default: "
                             "LITSIEVE_TEST_DATABASE_URL); none: SQLite only")
    parser.add_argument("--busy", action="store_true",
                        help="also a round with a retrain and a 10,000-record import")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "out" /
                        "web_load.json")
    args = parser.parse_args()
    results = []
    stores = [("sqlite", None)] + ([("postgresql", args.postgres)] if args.postgres else [])
    for name, url in stores:
        env = dict(os.environ)
        env.pop("LITSIEVE_DATABASE_URL", None)
        if url:
            env["LITSIEVE_DATABASE_URL"] = url
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp) / "review"
            print(f"{name}: preparing {args.records:,} records, {args.clients} reviewers")
            tokens = prepare(directory, args.records, args.votes, args.clients, env)
            rounds = [("load", False)] + ([("load + retrain + import", True)]
                                          if args.busy else [])
            for label, busy in rounds:
                result = one_round(label, directory, tokens, workers=args.workers,
                                   seconds=args.seconds, votes=args.votes, env=env,
                                   store_url=url, busy=busy)
                result["store"] = name
                results.append(result)
            if url:
                from screening.review_dir import open_review, review_schema

                schema = review_schema(open_review(directory).config.review.id)
                engine = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"))
                with engine.begin() as conn:
                    conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                engine.dispose()
    header = (f"{'store':10} {'round':26} {'votes/s':>8} {'next p50/p95/p99 ms':>22} "
              f"{'post p50/p95/p99 ms':>22} {'acked':>6} {'lost':>5} {'dbl':>4} "
              f"{'over':>5} {'err':>4}")
    print("\n" + header)
    for r in results:
        n, p = r["queue_next_ms"], r["post_decision_ms"]
        print(f"{r['store']:10} {r['round']:26} {r['votes_per_s']:8.1f} "
              f"{n['p50']:6.1f}/{n['p95']:6.1f}/{n['p99']:6.1f}  "
              f"{p['p50']:6.1f}/{p['p95']:6.1f}/{p['p99']:6.1f}  {r['acknowledged']:6d} "
              f"{r['lost']:5d} {r['doubled']:4d} {r['over_voted_records']:5d} "
              f"{r['n_errors']:4d}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"parameters": vars(args) | {"json": str(args.json)},
                                     "results": results}, indent=2, default=str),
                         encoding="utf-8")
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
