"""Test databases for the trends, exports and scores page: real DuckDB files.

``make_db`` appends synthetic posts with the same SQL as the benchmarks
(``queries/bench_synth_posts.sql``) and, on top, a few hand-written posts from a
DataFrame whose text looks like spreadsheet formulas.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from copydesk import db as dbmod
from sql_support import BENCH, TESTS

AS_OF = dt.date(2025, 7, 1)

FORMULA_POSTS = pd.DataFrame({
    "post_id": ["evil-1", "evil-2", "evil-3", "evil-4"],
    "site": ["=cmd|'/C calc'!A0", "docs.example", "docs.example", "docs.example"],
    "title": ["=HYPERLINK(\"http://x\",\"click\")", "+SUM(1,2)", "-2+3", "@import, \"quoted\"\nnext line"],
    "status": ["published", "drafted", "published", "published"],
    "difficulty": ["beginner", "beginner", "advanced", "advanced"],
    "stack": [["=python", "react"], ["python"], ["\tpython"], []],
    "last_reviewed": [dt.date(2025, 6, 1), None, dt.date(2021, 1, 15), dt.date(2025, 5, 20)],
    "view_count": [-5, 10, 20, 30],
    "score_quality": [95, 55, 70, 85],
    "score_freshness": [90, 10, 20, 80],
    "score_depth": [80, 50, 60, 70],
    "score_clarity": [85, 40, 65, 75],
    "warnings": [["\rcarriage"], [], [], ["ok"]],
    "source_file": ["evil/1.txt", "evil/2.txt", "evil/3.txt", "evil/4.txt"],
    "source_sha256": ["a", "b", "c", "d"],
    "article_hash": ["a", "b", "c", "d"],
    "batch_id": [2, 2, 2, 2],
    "imported_at": [dt.datetime(2025, 7, 1, 12)] * 4,
})


def insert_frame(con, query: str, frame: pd.DataFrame) -> None:
    con.register("frame", frame)
    try:
        (TESTS if query in TESTS.queries else BENCH).run(con, query)
    finally:
        con.unregister("frame")


def make_db(path: Path, n: int = 2000, *, seed: int = 7, formula_posts: bool = True, snapshots: bool = False) -> Path:
    """A database at ``path``: ``n`` synthetic posts (batch 1), then the formula-like posts (batch 2).

    With ``snapshots``, batch snapshots are recorded after each of the two batches.
    """
    from copydesk import trends

    policy = trends.load_policy()
    con = dbmod.open_db(path)
    try:
        BENCH.run(con, "synth_posts", n=n, start=0, seed=seed, batch_id=1)
        if snapshots:
            insert_frame(con, "insert_batches_frame", pd.DataFrame({
                "batch_id": [1, 2], "started_at": [dt.datetime(2025, 6, 1), dt.datetime(2025, 7, 1)],
                "finished_at": [dt.datetime(2025, 6, 1, 1), dt.datetime(2025, 7, 1, 1)],
                "source": ["synthetic", "formula posts"], "status": ["finished", "finished"]}))
            trends.record_batch_snapshot(con, 1, AS_OF, policy)
        if formula_posts:
            insert_frame(con, "insert_posts_frame", FORMULA_POSTS)
        if snapshots:
            trends.record_batch_snapshot(con, 2, AS_OF, policy)
    finally:
        con.close()
    return path
