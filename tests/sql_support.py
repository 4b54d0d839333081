"""The SQL that only tests and benchmarks run: ``tests/sql/`` and ``bench/sql/``, through the query layer."""

from __future__ import annotations

from pathlib import Path

import duckdb

from copydesk.queries import Library

ROOT = Path(__file__).resolve().parent.parent
TESTS = Library(ROOT / "tests" / "sql")     # fixtures' inserts
BENCH = Library(ROOT / "bench" / "sql")     # synthetic corpora shared with the benchmarks


def q(db, sql: str, *params) -> list[tuple]:
    """The rows of one ad hoc check on a database file, opened read-only and closed again."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()
