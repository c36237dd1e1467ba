"""E-utilities benchmark: records/s fetched from the fake server at NCBI's rate limit.

Runs litsieve's EutilsClient against tests/fakes/eutils_server.py (127.0.0.1 only, with
the server's rate limit on) for a date-split search of N synthetic records, without and
with an API key, and reports records/s, requests, requests/s and the most requests the
server saw in any one-second window. The fake answers instantly, so this measures the
client's pacing (esearch splits + efetch batches of 500 at 2.5 or 8 requests/s), which is
what bounds a real update. Prints a table and writes JSON (benchmarks/out/eutils.json)::

    python benchmarks/eutils.py [--records 25000] [--out benchmarks/out]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from screening.eutils import EutilsClient  # noqa: E402
from tests.fakes.eutils_server import FakeEutils, make_corpus  # noqa: E402


def run(records: int, api_key: str | None) -> dict[str, object]:
    corpus = make_corpus(records)
    with FakeEutils(corpus) as server:
        client = EutilsClient(requests.Session(), tool="litsieve-bench",
                              email="bench@example.org", api_key=api_key,
                              base_url=server.base_url, timeout=10)
        start = time.perf_counter()
        fetched = sum(len(b) for b in client.fetch_medline("x", mindate="2020/01/01",
                                                           maxdate="2020/12/31"))
        seconds = time.perf_counter() - start
        assert fetched == records, (fetched, records)
        total = server.count()
        return {
            "api_key": api_key is not None,
            "records": fetched,
            "seconds": round(seconds, 2),
            "records_per_s": round(fetched / seconds, 1),
            "requests": total,
            "esearch": server.count("esearch"),
            "efetch": server.count("efetch"),
            "requests_per_s": round(total / seconds, 2),
            "max_in_1s_window": server.max_in_window(1.0),
            "http_429": server.count(status=429),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=25_000)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    args = parser.parse_args()
    rows = [run(args.records, None), run(args.records, "bench-key")]
    header = f"{'key':<5}{'records':>9}{'s':>8}{'rec/s':>9}{'requests':>10}{'req/s':>8}" \
             f"{'max/1s':>8}{'429s':>6}"
    print(header)
    for row in rows:
        print(f"{'yes' if row['api_key'] else 'no':<5}{row['records']:>9}{row['seconds']:>8}"
              f"{row['records_per_s']:>9}{row['requests']:>10}{row['requests_per_s']:>8}"
              f"{row['max_in_1s_window']:>8}{row['http_429']:>6}")
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / "eutils.json"
    out.write_text(json.dumps({"benchmark": "eutils", "rows": rows}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
