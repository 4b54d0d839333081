"""Benchmark: named exports of a large synthetic corpus (time and peak memory).

    .venv/bin/python bench/export_bench.py [--posts 1000000] [--sizes 250000,1000000,2000000]

Builds databases with ``INSERT INTO posts SELECT ... FROM range(n)`` (queries/bench_synth_posts.sql),
then runs each export in a FRESH process (``copydesk export``'s code path, export.write) and reports
seconds and that process's peak RSS (VmHWM): memory is flat when the peak does not grow with the corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_support import AS_OF, OUT, ROOT, build_db, machine  # noqa: E402

CHILD = r"""
import json, sys, time, datetime as dt
sys.path.insert(0, {root!r})
from copydesk import db, export, trends
t0 = time.perf_counter()
with db.session({db!r}, read_only=True) as con:
    meta = export.write(con, {view!r}, {out!r}, {fmt!r}, {filters!r}, dt.date.fromisoformat({as_of!r}))
# VmHWM: this process's peak resident memory (ru_maxrss would carry the parent's over fork+exec)
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(json.dumps({{"rows": meta["rows"], "seconds": time.perf_counter() - t0, "peak_rss_mb": int(hwm) / 1024}}))
"""


def run_export(db: Path, view: str, fmt: str, filters: dict | None = None) -> dict:
    out = OUT / f"{db.stem}-{view}.{fmt}"
    code = CHILD.format(root=str(ROOT), db=str(db), view=view, out=str(out), fmt=fmt, filters=filters or {},
                        as_of=AS_OF.isoformat())
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    figures = json.loads(res.stdout.strip().splitlines()[-1])
    figures["process_seconds"] = time.perf_counter() - t0
    figures["mb"] = out.stat().st_size / 2**20
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="250000,1000000,2000000")
    ap.add_argument("--views", default="posts,review-queue,scores-by-month")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}; load average at start {os.getloadavg()[0]:.1f}")
    print("| posts | view | format | rows | export s | process s | file MiB | peak RSS MiB |")
    print("|---:|---|---|---:|---:|---:|---:|---:|")
    for n in [int(s) for s in args.sizes.split(",")]:
        db = OUT / f"export-{n}.duckdb"
        build_db(db, n)
        for view in args.views.split(","):
            for fmt in ("csv", "parquet"):
                f = run_export(db, view, fmt)
                print(f"| {n:,} | {view} | {fmt} | {f['rows']:,} | {f['seconds']:.2f} | {f['process_seconds']:.2f} "
                      f"| {f['mb']:.0f} | {f['peak_rss_mb']:.0f} |", flush=True)
        for p in OUT.glob(f"export-{n}*"):
            p.unlink()


if __name__ == "__main__":
    main()
