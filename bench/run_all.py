"""Run every benchmark once at its documented default size (``make bench``).

    .venv/bin/python bench/run_all.py [--only import,duplicates] [--quick]

Each benchmark is its own script (see its docstring and docs/benchmarks.md for the figures
and the peer or floor it is compared with); this runs them one after another in fresh
processes and stops at the first that fails.  ``--quick`` uses small sizes (a smoke run of
every benchmark in a few minutes, not figures to publish).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name -> (arguments at the documented size, arguments of a quick smoke run)
BENCHMARKS = {
    "import": (["--sizes", "20000", "100000"], ["--sizes", "5000"]),
    "duplicates": (["--posts", "100000"], ["--posts", "5000", "--engines", "ours,brute"]),
    "queue": (["--posts", "1000000"], ["--posts", "50000", "--repeat", "1"]),
    "pages": (["--posts", "1000000"], ["--posts", "20000", "--runs", "1"]),
    "export": (["--sizes", "250000,1000000"], ["--sizes", "20000"]),
    "synth": (["--sizes", "10000", "100000"], ["--sizes", "5000"]),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="comma-separated benchmark names (default: all)")
    ap.add_argument("--quick", action="store_true", help="small sizes: check that every benchmark runs")
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n] or list(BENCHMARKS)
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        print(f"error: unknown benchmark(s) {sorted(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    for name in names:
        full, quick = BENCHMARKS[name]
        cmd = [sys.executable, str(HERE / f"{name}_bench.py"), *(quick if args.quick else full)]
        print(f"\n## {name}: {' '.join(cmd[1:])}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call(cmd)
        print(f"({name}: {time.perf_counter() - t0:.0f} s, exit {rc})", flush=True)
        if rc:
            return rc
    return 0


if __name__ == "__main__":
    sys.exit(main())
