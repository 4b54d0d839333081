"""The Dask engine against the local one: near-duplicates and import, on a 2-worker LocalCluster.

    copydesk synth /tmp/dupbench/s200k --posts 200000 --seed 7 --jsonl
    flock /tmp/copydesk-heavy.lock .venv/bin/python bench/cluster_bench.py --corpus /tmp/dupbench/s200k
    flock /tmp/copydesk-heavy.lock .venv/bin/python bench/cluster_bench.py --corpus /tmp/dupbench/s1m --no-import

Every run is the CLI in its own process (``copydesk duplicates`` / ``copydesk import``), so wall
time and peak RSS (``VmHWM``, sampled) are its own:

* duplicates: the corpus's posts in a copydesk database (``bench/sql/duplicate_posts.sql``,
  built once), copied twice; ``copydesk duplicates --db A`` (local engine) and ``copydesk
  duplicates --db B --engine dask --scheduler ADDR`` on a ``LocalCluster`` of 2 single-threaded
  worker processes started by this script (its start-up is timed separately; the CLI without
  ``--scheduler`` starts and closes the same cluster itself).  The stored pairs and clusters
  of A and B are compared; each worker's peak RSS is read from the worker itself after the run
  (a fresh cluster per run, so the peak is this run's).
* import: ``copydesk import CORPUS/pages`` into an empty database, locally and with ``--engine dask``
  on a fresh cluster; the counts are compared.

Prints one JSON line per measurement and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

COPYDESK = str(ROOT / ".venv" / "bin" / "copydesk")


def vm_hwm_mb(pid: int | str = "self") -> float | None:
    """Peak resident memory of a process's current image (``VmHWM``), in MB.

    Not ``ru_maxrss``: on Linux a child started by fork/vfork + exec starts from the parent's
    high-water mark, so a child of this (large) process would report at least its size."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_measured(args: list[str]) -> dict:
    """One copydesk command in a child process: its JSON output, wall seconds and the child's
    peak RSS in MB (its ``VmHWM``, sampled every 50 ms until it exits)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([COPYDESK, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = [0.0]

    def sample():
        while proc.poll() is None:
            v = vm_hwm_mb(proc.pid)
            if v:
                peak[0] = max(peak[0], v)
            time.sleep(0.05)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"copydesk {' '.join(args)} failed: {err.decode()[-2000:]}")
    summary = json.loads(out.decode().strip().splitlines()[-1])
    summary.pop("rejects", None)
    return {"wall_s": round(wall, 2), "rss_mb": round(peak[0], 1), "out": summary}


def start_cluster():
    from distributed import Client, LocalCluster
    t0 = time.perf_counter()
    lc = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(lc)
    client.wait_for_workers(2)
    return lc, client, round(time.perf_counter() - t0, 2)


def worker_peaks(client) -> list[float]:
    """Each worker's peak RSS (``VmHWM``) in MB."""
    return sorted(round(v, 1) for v in client.run(vm_hwm_mb).values())


def stored(db: Path):
    import duckdb
    con = duckdb.connect(str(db), read_only=True)
    try:
        pairs = con.execute("SELECT post_id_a, post_id_b, similarity, title_similarity, kind FROM near_duplicates "
                            "ORDER BY 1, 2").fetchall()
        clusters = con.execute("SELECT cluster_id, post_id, is_canonical, reason FROM duplicate_clusters "
                               "ORDER BY 1, 2").fetchall()
    finally:
        con.close()
    return pairs, clusters


def bench_duplicates(corpus: Path, work: Path, partitions: int | None, local: bool) -> list[dict]:
    from duplicates_bench import build_db
    base = build_db(corpus)
    rows = []
    dbs = {}
    engines = (["local"] if local else []) + ["dask"]
    for engine in engines:
        db = work / f"dup-{engine}.duckdb"
        shutil.copy(base, db)
        dbs[engine] = db
        args = ["duplicates", "--db", str(db), "--json"]
        if engine == "local":
            r = run_measured(args)
            rows.append({"what": "duplicates", "engine": "local", **r})
        else:
            lc, client, startup = start_cluster()
            try:
                args += ["--engine", "dask", "--scheduler", lc.scheduler_address, "--stage-dir", str(work / "stage")]
                if partitions:
                    args += ["--partitions", str(partitions)]
                r = run_measured(args)
                r["worker_peak_rss_mb"] = worker_peaks(client)
                r["cluster_startup_s"] = startup
            finally:
                client.close()
                lc.close()
            rows.append({"what": "duplicates", "engine": "dask", **r})
        print(json.dumps(rows[-1]), flush=True)
    if local:
        (lp, lc_), (dp, dc) = stored(dbs["local"]), stored(dbs["dask"])
        rows.append({"what": "compare", "pairs_local": len(lp), "pairs_dask": len(dp), "pairs_identical": lp == dp,
                     "clusters_identical": lc_ == dc})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def bench_import(corpus: Path, work: Path) -> list[dict]:
    from bench_support import remove_db
    rows = []
    for engine in ("local", "dask"):
        db = work / f"import-{engine}.duckdb"
        remove_db(db)
        args = ["import", str(corpus / "pages"), "--db", str(db), "--json"]
        if engine == "local":
            r = run_measured(args)
        else:
            lc, client, startup = start_cluster()
            try:
                r = run_measured(args + ["--engine", "dask", "--scheduler", lc.scheduler_address,
                                         "--stage-dir", str(work / "stage")])
                r["worker_peak_rss_mb"] = worker_peaks(client)
                r["cluster_startup_s"] = startup
            finally:
                client.close()
                lc.close()
        rows.append({"what": "import", "engine": engine, **r})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def table(rows: list[dict]) -> str:
    out = ["| what | engine | posts / files | wall s | client peak RSS MB | worker peak RSS MB |",
           "| --- | --- | ---: | ---: | ---: | ---: |"]
    for r in rows:
        if r["what"] == "compare":
            continue
        o = r["out"]
        size = o.get("posts") if r["what"] == "duplicates" else o.get("files_seen")
        out.append(f"| {r['what']} | {r['engine']} | {size:,} | {r['wall_s']} | {r['rss_mb']:,} | "
                   f"{', '.join(f'{v:,}' for v in r.get('worker_peak_rss_mb', [])) or '—'} |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True, help="a copydesk synth --jsonl folder")
    ap.add_argument("--work", type=Path, default=None, help="where the databases go (default: CORPUS/../cluster-bench)")
    ap.add_argument("--partitions", type=int, default=None)
    ap.add_argument("--no-import", action="store_true", help="only the duplicates")
    ap.add_argument("--no-local", action="store_true", help="only the dask duplicates run (memory per worker)")
    args = ap.parse_args()
    work = args.work or args.corpus.parent / "cluster-bench"
    work.mkdir(parents=True, exist_ok=True)
    from bench_support import machine
    print(json.dumps({"machine": machine(), "corpus": str(args.corpus)}), flush=True)
    rows = bench_duplicates(args.corpus, work, args.partitions, not args.no_local)
    if not args.no_import:
        rows += bench_import(args.corpus, work)
    print(table(rows))


if __name__ == "__main__":
    main()
