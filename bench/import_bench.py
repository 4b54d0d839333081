"""Import benchmark: synthetic corpora of 20k / 100k / 1M posts, beside the floor and the peer.

    .venv/bin/python bench/import_bench.py --sizes 20000 100000 1000000 [--workdir /tmp/copydesk-bench]
    .venv/bin/python bench/import_bench.py --sizes 20000 100000 --rounds 5   # alternated, medians (default: by size)
    .venv/bin/python bench/import_bench.py --sizes 20000 --profile     # where the time goes, by stage

For each size: generate the corpus once (``copydesk synth``, cached in the work
dir), time a plain read of every file (read, decode, split lines: the floor), the
one-process regex + pandas script a user would write instead (``bench/import_peer.py``,
in a fresh process), then ``copydesk import PAGES --db DB`` (the CLI, in a fresh process) on
an empty database (warm page cache), and a second time on the same database (everything
unchanged).
The plain read, the peer and the import (each on an empty database) run alternated N times
(``--rounds N``; by default :func:`default_rounds`: 7 up to 50k posts, 3 up to 200k, else 1): the
figures are the medians, and each ratio's range over the rounds is shown (on a machine whose speed
varies by tens of percent from minute to minute, one run proves little: a 20k import took
0.47-0.75x the peer's time from one round to the next).
Reports both ratios (import / peer, import / plain read), posts/s, wall seconds and
peak RSS (largest single process, from getrusage).

``--profile`` runs ``import_paths`` in this process with one parser (no worker
processes) under cProfile and prints the cumulative seconds of each stage function.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from statistics import median

from bench_support import ROOT, remove_db


def read_all(pages: Path) -> tuple[int, float]:
    """The floor: read every file, decode it and split it into lines."""
    t0 = time.perf_counter()
    n = 0
    for root, _dirs, files in os.walk(pages):
        for name in files:
            with open(os.path.join(root, name), "rb") as fh:
                fh.read().decode("utf-8", "replace").splitlines()
            n += 1
    return n, time.perf_counter() - t0


def run_peer(pages: Path, db: Path) -> float:
    """The peer (bench/import_peer.py) in a fresh process, on an empty database."""
    remove_db(db)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "bench" / "import_peer.py"), str(pages), str(db)],
                   cwd=ROOT, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0


# stage -> the function whose cumulative time it is (one parser, in this process)
STAGES = {
    "read": "_read",
    "fast path: match (well-formed pages)": "match",
    "fast path: columns (Arrow, per chunk)": "columns",
    "decode + parse (full parser, the other pages)": "parse_page",
    "hash": "<built-in method _hashlib.openssl_sha256>",
    "revision rows (full parser)": "revision_row",
    "Arrow tables": "_revision_table",
    "known revisions": "_known",
    "_process_chunk (read + hash + parse + rows)": "_process_chunk",
    "DuckDB write (revisions, ledger, posts)": "_write_chunk",
    "commit": "_commit",
    "after-import stages": "run_after_import",
    "whole import": "import_paths",
}


def profile(pages: Path, db: Path) -> None:
    import cProfile
    import pstats
    remove_db(db)
    t0 = time.perf_counter()
    import copydesk.importer as importer
    startup = time.perf_counter() - t0
    prof = cProfile.Profile()
    prof.enable()
    importer.import_paths([str(pages)], str(db), workers=1)
    prof.disable()
    stats = pstats.Stats(prof).stats
    cum = {}
    for (_file, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.items():
        cum[func] = cum.get(func, 0.0) + ct
    print("\n| stage (one parser, cProfile) | cumulative s |\n|---|---:|")
    print(f"| module imports (copydesk.importer) | {startup:.2f} |")
    for stage, func in STAGES.items():
        if func in cum:
            print(f"| {stage} | {cum[func]:.2f} |")


# ``copydesk import`` as a user runs it (the CLI, in its own process), timed and measured by a small
# wrapper process: its children are only that command and the parser processes it forks, so their
# peak RSS (getrusage of the children) is the import's alone.
_WRAPPER = """
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
out = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - t0
if out.returncode:
    sys.exit(out.stderr)
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"summary": json.loads(out.stdout), "wall": wall, "rss_kb": kids}))
"""


def run_import(pages: Path, db: Path) -> tuple[dict, float, int]:
    """``copydesk import PAGES --db DB --json`` in a fresh process: (its summary, wall seconds of the
    command, peak RSS in KiB of the command or one of its parser processes)."""
    command = [sys.executable, "-m", "copydesk", "import", str(pages), "--db", str(db), "--json"]
    out = subprocess.run([sys.executable, "-c", _WRAPPER, *command], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["summary"], result["wall"], result["rss_kb"]


def default_rounds(posts: int) -> int:
    """Rounds when ``--rounds`` is not given: a small corpus takes seconds a round and varies most."""
    return 7 if posts <= 50_000 else 3 if posts <= 200_000 else 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    ap.add_argument("--profile", action="store_true", help="profile the stages instead (one parser)")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/copydesk-bench"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=None,
                    help="alternate the read, the peer and the import this many times; report medians "
                         "(default: 7 up to 50k posts, 3 up to 200k, else 1)")
    args = ap.parse_args()
    from copydesk.synth import generate

    # The package's bytecode as `make install` leaves it (where PYTHONDONTWRITEBYTECODE is set the
    # interpreter would otherwise compile every copydesk module at each start of the command).
    compileall.compile_dir(ROOT / "copydesk", quiet=1)
    rows = []
    for n in args.sizes:
        corpus = args.workdir / f"corpus-{n}"
        if not (corpus / ".done").exists():
            t0 = time.perf_counter()
            generate(corpus, n, seed=args.seed)
            (corpus / ".done").write_text("ok")
            print(f"generated {n} posts in {time.perf_counter() - t0:.1f}s", flush=True)
        pages = corpus / "pages"
        read_all(pages)                                   # warm the page cache
        db = args.workdir / f"import-{n}.duckdb"
        if args.profile:
            profile(pages, db)
            continue
        reads, peers, imports, rss = [], [], [], []
        rounds = args.rounds or default_rounds(n)
        for r in range(rounds):
            files, read_s = read_all(pages)
            peer_s = run_peer(pages, args.workdir / f"peer-{n}.duckdb")
            remove_db(db)
            first, wall1, rss1 = run_import(pages, db)
            reads.append(read_s)
            peers.append(peer_s)
            imports.append(wall1)
            rss.append(rss1)
            if rounds > 1:
                print(f"{n} posts, round {r + 1}: read {read_s:.2f} s, peer {peer_s:.2f} s, import {wall1:.2f} s "
                      f"({wall1 / peer_s:.2f}x the peer, {wall1 / read_s:.1f}x the read), peak RSS {rss1 // 1024} MB",
                      flush=True)
        second, wall2, _rss2 = run_import(pages, db)
        read_s, peer_s, wall1 = median(reads), median(peers), median(imports)
        vs_peer = sorted(i / p for i, p in zip(imports, peers))
        vs_read = sorted(i / r for i, r in zip(imports, reads))
        row = {
            "posts_requested": n, "files": files, "posts": first["posts_total"], "rounds": rounds,
            "read_only_s": round(read_s, 2), "read_files_per_s": round(files / read_s),
            "peer_s": round(peer_s, 2), "vs_peer": round(median(vs_peer), 2), "vs_read": round(median(vs_read), 1),
            "vs_peer_range": [round(vs_peer[0], 2), round(vs_peer[-1], 2)],
            "vs_read_range": [round(vs_read[0], 1), round(vs_read[-1], 1)],
            "import_s": round(wall1, 2), "import_files_per_s": round(files / wall1),
            "import_posts_per_s": round(first["posts_total"] / wall1),
            "import_paths_s": first["seconds"],
            "import_peak_rss_mb": round(max(rss) / 1024), "reimport_s": round(wall2, 2),
            "reimport_files_per_s": round(files / wall2), "reimport_unchanged": second["unchanged"],
            "db_mb": round(db.stat().st_size / 2**20),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    if not rows:
        return
    print("\n| posts | files | rounds | plain read | peer (regex + pandas) | import (process) | import / peer "
          "| import / read | in import_paths | files/s | posts/s | peak RSS | re-import (unchanged) | DB size |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        spread = (lambda key, unit: "" if r["rounds"] == 1 else
                  f" ({r[key + '_range'][0]}–{r[key + '_range'][1]}{unit})")
        print(f"| {r['posts']:,} | {r['files']:,} | {r['rounds']} | {r['read_only_s']} s ({r['read_files_per_s']:,}/s) | "
              f"{r['peer_s']} s | {r['import_s']} s | {r['vs_peer']}×{spread('vs_peer', '×')} | "
              f"{r['vs_read']}×{spread('vs_read', '×')} | {r['import_paths_s']} s | {r['import_files_per_s']:,} | "
              f"{r['import_posts_per_s']:,} | {r['import_peak_rss_mb']} MB | "
              f"{r['reimport_s']} s ({r['reimport_files_per_s']:,}/s) | {r['db_mb']} MB |")


if __name__ == "__main__":
    main()
