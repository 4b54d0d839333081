"""Benchmark: every dashboard page rendered over a 1M-post database (Streamlit AppTest, real queries).

    .venv/bin/python bench/pages_bench.py [--posts 1000000] [--runs 3] [--pages scores,overview] [--decisions N]

The database is built with ``INSERT INTO posts SELECT ... FROM range(n)`` (queries/bench_synth_posts.sql)
over two import batches with their trend snapshots.  Each run clears Streamlit's caches first, so
every query runs: the figure is a cold render as a user sees it after changing a filter.  The CPU
column is the process's CPU time for the render (all threads): on a shared machine it moves far
less with the load than the wall-clock time does.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_support import AS_OF, OUT, ROOT, build_db, machine  # noqa: E402

BUDGET_S = 2.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pages", default="", help="comma-separated page names (default: every pages/*.py)")
    ap.add_argument("--keep", action="store_true", help="reuse bench/out/pages-N.duckdb if it exists")
    ap.add_argument("--decisions", type=int, default=0, help="also write N synthetic review decisions")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / (f"pages-{args.posts}.duckdb" if not args.decisions else f"pages-{args.posts}-d{args.decisions}.duckdb")
    if not (args.keep and db.exists()):
        seconds = build_db(db, args.posts, decisions=args.decisions)
        print(f"building {args.posts:,} posts, {args.decisions:,} decisions: {seconds:.1f} s", flush=True)
    os.environ["COPYDESK_DB"] = str(db)

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    names = [n for n in args.pages.split(",") if n] or sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}; posts: {args.posts:,}; "
          f"decisions: {args.decisions:,}; "
          f"as of {AS_OF}; budget {BUDGET_S} s")
    print("| page | cold render s (median) | min | max | CPU s (median) | exception |")
    print("|---|---:|---:|---:|---:|---|")
    failed = False
    for name in names:
        times, cpu, error = [], [], ""
        for _ in range(args.runs + 1):          # the first run warms imports and is not counted
            st.cache_data.clear()
            st.cache_resource.clear()
            at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=120)
            at.query_params["as_of"] = AS_OF.isoformat()
            t0, c0 = time.perf_counter(), time.process_time()
            at.run()
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)        # every thread of the process (DuckDB's too)
            if at.exception:
                error = at.exception[0].message.splitlines()[0][:80]
        times, cpu = times[1:], cpu[1:]
        med = statistics.median(times)
        failed |= med > BUDGET_S or bool(error)
        print(f"| {name} | {med:.2f} | {min(times):.2f} | {max(times):.2f} | {statistics.median(cpu):.2f} | "
              f"{error or '—'} |", flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
