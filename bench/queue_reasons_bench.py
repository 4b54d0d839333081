"""Benchmark: the review queue's page queries now (queue reasons vs signals, main reason,
effective_last_reviewed) against the queries of an earlier revision, on the same database, in
the same run, interleaved (so a busy machine slows both alike).

    .venv/bin/python bench/queue_reasons_bench.py --against 7269c76 [--posts 1000000] [--repeat 5]

The database is bench/queue_bench.py's (built once, reused).  The earlier revision's
``queries/`` folder is read with ``git archive`` into a temporary folder and run through the
same query layer (copydesk.queries.Library) with the same parameters.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from copydesk import db as dbmod  # noqa: E402
from copydesk import freshness, queue  # noqa: E402
from copydesk.queries import Library  # noqa: E402
from queue_bench import AS_OF, build  # noqa: E402


def old_library(rev: str, into: Path) -> Library:
    data = subprocess.run(["git", "archive", rev, "queries"], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return Library(into / "queries")


def old_page(lib: Library, con, params: dict, count: bool):
    """What fetch_page(_with_count) ran at that revision: ids (and total) from the keys, then the rows."""
    choose = {"sort": "priority", "direction": "DESC"}
    name = "review/queue_page_ids_count" if count else "review/queue_page_ids"
    ids = [r[0] for r in lib.statement(name, {**params, "limit": 50, "offset": 0}, choose=choose)
           .execute(con).fetchall()]
    rows = lib.statement("review/queue_page", {**params, "f_post_ids": ids, "limit": len(ids), "offset": 0},
                         choose=choose).execute(con).fetchall()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", required=True, help="git revision whose queries are the baseline")
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    path = Path(tempfile.gettempdir()) / f"copydesk-queue-bench-{args.posts}.duckdb"
    build(path, args.posts)
    policy = freshness.load_policy()
    params = freshness.params(policy, {}, AS_OF)
    with tempfile.TemporaryDirectory() as tmp:
        lib = old_library(args.against, Path(tmp))

        def now_page(con):
            queue.fetch_page_with_count(con, policy, {}, as_of=AS_OF, limit=50)

        def then_page(con):
            old_page(lib, con, params, True)

        def now_count(con):
            queue.queue_count(con, policy, AS_OF)

        def then_count(con):
            lib.statement("review/queue_count", params).execute(con).fetchall()

        def now_facet(con):
            queue.reason_counts(con, policy, AS_OF)

        def then_facet(con):
            lib.statement("review/queue_reason_counts", params).execute(con).fetchall()

        cases = [("queue page: page 1 by priority + total", then_page, now_page),
                 ("count only", then_count, now_count),
                 ("reason facet", then_facet, now_facet)]
        with dbmod.session(path, read_only=True) as con:
            then_total = lib.statement("review/queue_count", params).execute(con).fetchone()[0]
            now_total = queue.queue_count(con, policy, AS_OF)
        print(f"posts: {args.posts:,}; open queue {args.against}: {then_total:,}; now: {now_total:,}")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; "
              f"median / max of {args.repeat} interleaved runs, fresh read-only connection each\n")
        print(f"| query | {args.against} median s | now median s | {args.against} max s | now max s |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, then, now in cases:
            times: dict = {"then": [], "now": []}
            for _ in range(args.repeat):
                for label, fn in (("then", then), ("now", now)):
                    with dbmod.session(path, read_only=True) as con:
                        t = time.perf_counter()
                        fn(con)
                        times[label].append(time.perf_counter() - t)
            print(f"| {name} | {statistics.median(times['then']):.3f} | {statistics.median(times['now']):.3f} "
                  f"| {max(times['then']):.3f} | {max(times['now']):.3f} |")


if __name__ == "__main__":
    main()
