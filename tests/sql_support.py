"""The SQL that only tests and benchmarks run: ``tests/sql/`` and ``bench/sql/``, through the query layer."""

from __future__ import annotations

from pathlib import Path

from copydesk.queries import Library

ROOT = Path(__file__).resolve().parent.parent
TESTS = Library(ROOT / "tests" / "sql")     # fixtures' inserts
BENCH = Library(ROOT / "bench" / "sql")     # synthetic corpora shared with the benchmarks
