"""Import benchmark: synthetic corpora of 10k / 100k / 1M posts.

    .venv/bin/python bench/import_bench.py --sizes 10000 100000 1000000 [--workdir /tmp/copydesk-bench]

For each size: generate the corpus once (``copydesk synth``, cached in the work
dir), time a plain-Python read of every file (the floor), then run
``copydesk import`` in a fresh process on an empty database (warm page cache),
and a second time on the same database (everything unchanged).  Reports
posts/s, wall seconds and peak RSS (largest single process, from getrusage).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def read_all(pages: Path) -> tuple[int, float]:
    t0 = time.perf_counter()
    n = 0
    for root, _dirs, files in os.walk(pages):
        for name in files:
            with open(os.path.join(root, name), "rb") as fh:
                fh.read()
            n += 1
    return n, time.perf_counter() - t0


def run_import(pages: Path, db: Path) -> tuple[dict, float, int]:
    code = (
        "import json, resource, sys\n"
        "from copydesk.importer import import_paths\n"
        f"s = import_paths([{str(pages)!r}], {str(db)!r})\n"
        "me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps({**s.as_dict(), 'rss_main_kb': me, 'rss_worker_kb': kids}, default=str))\n"
    )
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    return summary, wall, max(summary["rss_main_kb"], summary["rss_worker_kb"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/copydesk-bench"))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from copydesk.synth import generate

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
        files, read_s = read_all(pages)
        db = args.workdir / f"import-{n}.duckdb"
        for p in (db, db.with_name(db.name + ".wal")):
            p.unlink(missing_ok=True)
        first, wall1, rss1 = run_import(pages, db)
        second, wall2, rss2 = run_import(pages, db)
        row = {
            "posts_requested": n, "files": files, "posts": first["posts_total"],
            "read_only_s": round(read_s, 2), "read_files_per_s": round(files / read_s),
            "import_s": round(wall1, 2), "import_files_per_s": round(files / wall1),
            "import_posts_per_s": round(first["posts_total"] / wall1),
            "import_paths_s": first["seconds"],
            "import_peak_rss_mb": round(rss1 / 1024), "reimport_s": round(wall2, 2),
            "reimport_files_per_s": round(files / wall2), "reimport_unchanged": second["unchanged"],
            "db_mb": round(db.stat().st_size / 2**20),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    print("\n| posts | files | plain read | import (process) | in import_paths | files/s | posts/s | peak RSS | re-import (unchanged) | DB size |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['posts']:,} | {r['files']:,} | {r['read_only_s']} s ({r['read_files_per_s']:,}/s) | "
              f"{r['import_s']} s | {r['import_paths_s']} s | {r['import_files_per_s']:,} | "
              f"{r['import_posts_per_s']:,} | {r['import_peak_rss_mb']} MB | "
              f"{r['reimport_s']} s ({r['reimport_files_per_s']:,}/s) | {r['db_mb']} MB |")


if __name__ == "__main__":
    main()
