"""Database location, connections and schema.

DuckDB allows one writing *process* at a time.  copydesk therefore keeps
connections short-lived: the dashboard opens a connection per request and closes
it, the importer holds one per batch.  :func:`connect` retries while another
process holds the lock, so a CLI import and an open dashboard take turns instead
of failing.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb

from . import queries

DEFAULT_DB = "copydesk.duckdb"
ENV_DB = "COPYDESK_DB"
LOCK_WAIT_SECONDS = float(os.environ.get("COPYDESK_LOCK_WAIT", "60"))

# DuckDB refuses a read-only and a read-write connection to the same file inside
# one process.  A process that both reads and writes (the dashboard) sets this, and
# every connection it opens is then read-write (still short-lived).
PREFER_READ_WRITE = False


class DatabaseBusy(RuntimeError):
    """Another process held the database for longer than we were willing to wait."""


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database file: ``--db`` if given, else ``$COPYDESK_DB``, else ``./copydesk.duckdb``."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get(ENV_DB) or DEFAULT_DB)


def _is_lock_error(exc: Exception) -> bool:
    msg = str(exc).lower()
    return "lock" in msg and ("conflicting" in msg or "could not set" in msg or "process" in msg)


def connect(path: str | os.PathLike | None = None, *, read_only: bool = False,
            wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open the database, retrying while another process holds its lock."""
    p = db_path(path)
    if read_only and not p.exists():
        raise FileNotFoundError(f"database {p} does not exist (run 'copydesk import' or 'make run' first)")
    if PREFER_READ_WRITE:
        read_only = False
    deadline = time.monotonic() + (LOCK_WAIT_SECONDS if wait is None else wait)
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(p), read_only=read_only)
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise
            if time.monotonic() >= deadline:
                raise DatabaseBusy(f"database {p} is busy (another process is writing): {exc}") from exc
            time.sleep(delay)
            delay = min(delay * 1.5, 0.5)


@contextmanager
def session(path: str | os.PathLike | None = None, *, read_only: bool = False, wait: float | None = None):
    """``with session(db) as con:`` — a short-lived connection, always closed."""
    con = connect(path, read_only=read_only, wait=wait)
    try:
        yield con
    finally:
        con.close()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table and view (``queries/schema_*.sql``, in name order); idempotent."""
    for q in sorted(queries.all_queries().values(), key=lambda q: q.path.name):
        if q.path.name.startswith("schema_"):
            con.execute(q.sql)


def open_db(path: str | os.PathLike | None = None, wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """A read-write connection with the schema in place."""
    con = connect(path, wait=wait)
    ensure_schema(con)
    return con
