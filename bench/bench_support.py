"""Shared by the benchmarks: a synthetic posts table of any size, built in DuckDB SQL."""

from __future__ import annotations

import datetime as dt
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from copydesk import db as dbmod  # noqa: E402
from copydesk import trends  # noqa: E402
from copydesk.queries import Library  # noqa: E402

BENCH = Library(ROOT / "bench" / "sql")

OUT = ROOT / "bench" / "out"
AS_OF = dt.date(2025, 7, 1)


def remove_db(path: Path) -> None:
    """Delete a DuckDB file and its write-ahead log, so the next run starts on an empty database."""
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


def build_db(path: Path, posts: int, *, batches: int = 2, seed: int = 11, decisions: int = 0) -> float:
    """A fresh database with ``posts`` synthetic posts imported over ``batches`` batches, snapshots
    recorded after each (``INSERT INTO posts SELECT ... FROM range(n)``), then ``decisions`` synthetic
    review decisions (``bench/sql/synth_decisions.sql``); returns seconds taken."""
    remove_db(path)
    t0 = time.perf_counter()
    policy = trends.load_policy()
    con = dbmod.open_db(path)
    try:
        per = posts // batches
        for b in range(1, batches + 1):
            n = per if b < batches else posts - per * (batches - 1)
            BENCH.run(con, "synth_posts", n=n, start=(b - 1) * per, seed=seed, batch_id=b)
            con.register("frame", pd.DataFrame({"batch_id": [b], "started_at": [dt.datetime(2025, 6, b)],
                                                "finished_at": [dt.datetime(2025, 6, b, 1)],
                                                "source": ["synthetic"], "status": ["finished"]}))
            BENCH.run(con, "insert_batches_frame")
            con.unregister("frame")
            trends.record_batch_snapshot(con, b, AS_OF, policy)
        if decisions:
            BENCH.run(con, "synth_decisions", n=decisions, posts=posts, seed=seed)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return time.perf_counter() - t0


def peak_rss_mb(children: bool = False) -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
    return r.ru_maxrss / 1024


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem:.0f} GiB"
