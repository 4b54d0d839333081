"""Benchmark: the review-queue page query at 1M posts must answer in under 1 s.

    .venv/bin/python bench/queue_bench.py [--posts 1000000] [--db FILE] [--repeat 5]

Builds a synthetic posts table in DuckDB SQL (INSERT ... FROM range(N)), with near-duplicate
clusters and some decisions, then times what the queue page runs on each render: the count,
one page (50 rows, several sorts and filters) and the reason facet, each on a fresh read-only
connection like the dashboard.  Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from copydesk import db as dbmod  # noqa: E402
from copydesk import queue  # noqa: E402
from copydesk.freshness import load_policy  # noqa: E402
from copydesk.queries import Library  # noqa: E402

BENCH = Library(ROOT / "bench" / "sql")

AS_OF = dt.date(2025, 6, 1)


def build(path: Path, n: int) -> None:
    marker = path.with_name(path.name + ".built")
    if path.exists() and marker.exists() and marker.read_text() == str(n):
        return
    for stale in (path, path.with_name(path.name + ".wal"), marker):
        stale.unlink(missing_ok=True)
    con = dbmod.open_db(path)
    try:
        BENCH.run(con, "queue_posts", n=n)
        if queue.has_duplicate_tables(con):
            BENCH.run(con, "queue_duplicates", n=n)
            BENCH.run(con, "queue_duplicate_pairs", n=n)
        ids = [r[0] for r in BENCH.run(con, "queue_sample", k=2000).fetchall()]
        queue.record_decisions(con, ids, "approve", "bench")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    marker.write_text(str(n))


def timed(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), max(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--db", default=None)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    path = Path(args.db) if args.db else Path(tempfile.gettempdir()) / f"copydesk-queue-bench-{args.posts}.duckdb"
    t = time.perf_counter()
    build(path, args.posts)
    build_s = time.perf_counter() - t
    policy = load_policy()

    def page(filters=None, sort="priority", direction="DESC", offset=0, count=False):
        def run():
            with dbmod.session(path, read_only=True) as con:
                if count:       # what the page runs: one page and the total, one pass over the keys
                    rows, total = queue.fetch_page_with_count(con, policy, filters, as_of=AS_OF, sort=sort,
                                                              direction=direction, limit=50, offset=offset)
                else:
                    rows, total = queue.fetch_page(con, policy, filters, as_of=AS_OF, sort=sort,
                                                   direction=direction, limit=50, offset=offset), 50
                assert len(rows) <= 50 and total >= len(rows)
        return run

    def count_only(filters=None):
        def run():
            with dbmod.session(path, read_only=True) as con:
                queue.queue_count(con, policy, AS_OF, filters)
        return run

    def facet():
        with dbmod.session(path, read_only=True) as con:
            queue.reason_counts(con, policy, AS_OF)

    with dbmod.session(path, read_only=True) as con:
        total = queue.queue_count(con, policy, AS_OF)
    cases = [
        ("queue page: page 1 by priority (50 rows) + total", page(count=True)),
        ("queue page: page 200 by priority (offset 10,000) + total", page(offset=200 * 50, count=True)),
        ("queue page: page 1 by review age, ascending + total", page(sort="review_age_days", direction="ASC",
                                                                      count=True)),
        ("page 1 by priority without the total (fetch_page)", page()),
        ("count only (queue_count)", count_only()),
        ("filter site + reason stale_draft: page + total", page({"site": "site3", "reason": "stale_draft"}, count=True)),
        ("filter stack + band stale + status drafted: page + total",
         page({"stack": "rust", "band": "stale", "status": "drafted"}, count=True)),
        ("reason facet (counts per reason)", facet),
    ]
    print(f"posts: {args.posts:,}; queued: {total:,}; build: {build_s:.1f} s; db: {path}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; "
          f"median / max of {args.repeat} runs\n")
    print("| query | median s | max s |")
    print("| --- | ---: | ---: |")
    for name, fn in cases:
        med, mx = timed(fn, args.repeat)
        print(f"| {name} | {med:.3f} | {mx:.3f} |")


if __name__ == "__main__":
    main()
