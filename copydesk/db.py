"""Database location, connections and schema.

DuckDB allows one writing *process* at a time.  copydesk therefore keeps
connections short-lived: the dashboard opens a connection per request and closes
it, the importer holds one per batch.  :func:`connect` retries while another
process holds the lock, so a CLI import and an open dashboard take turns instead
of failing.

DuckDB itself (~0.1 s to load) is imported where a connection is made, not with this module:
``copydesk import`` forks its parser processes first and loads DuckDB while they start
(:mod:`copydesk.importer`), and the other commands pay for it when they connect.
"""

from __future__ import annotations

import os
import re
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from . import queries, settings
from .errors import DatabaseBusy, DatabaseError  # noqa: F401  (re-exported)

if TYPE_CHECKING:
    import duckdb

DEFAULT_DB = "copydesk.duckdb"
ENV_DB = "COPYDESK_DB"
LOCK_WAIT_SECONDS = settings.number("COPYDESK_LOCK_WAIT", 60.0, lo=0)


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database file: ``--db`` if given, else ``$COPYDESK_DB``, else ``./copydesk.duckdb``."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get(ENV_DB) or DEFAULT_DB)


def _is_lock_error(exc: Exception) -> bool:
    msg = str(exc).lower()
    return "lock" in msg and ("conflicting" in msg or "could not set" in msg or "process" in msg)


def connect(path: str | os.PathLike | None = None, *, read_only: bool = False,
            wait: float | None = None, open_read_write: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database, retrying while another process holds its lock.

    ``read_only`` refuses a file that does not exist; ``open_read_write`` then opens it
    read-write all the same (see :func:`session`), or read-only on a read-only file system,
    where nothing can write it and a read-only connection conflicts with no other."""
    import duckdb

    p = db_path(path)
    if read_only and not p.exists():
        raise DatabaseError(f"database {p} does not exist (run 'copydesk import' or 'make run' first)")
    fall_back = read_only and open_read_write
    read_only = read_only and not open_read_write
    settings.check("COPYDESK_LOCK_WAIT")
    deadline = time.monotonic() + (LOCK_WAIT_SECONDS if wait is None else wait)
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(p), read_only=read_only)
        except duckdb.IOException as exc:
            if fall_back and not read_only and "Read-only file system" in str(exc):
                read_only = True
                continue
            if not _is_lock_error(exc):
                raise _open_error(p, read_only, exc) from exc
            if time.monotonic() >= deadline:
                raise DatabaseBusy(f"database {p} is busy (another process is writing): {exc}") from exc
            time.sleep(delay)
            delay = min(delay * 1.5, 0.5)
            continue
        queries.run(con, "schema/session_settings")
        return con


def memory() -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB, with the settings of every copydesk connection."""
    import duckdb

    con = duckdb.connect()
    queries.run(con, "schema/session_settings")
    return con


def _open_error(path: Path, read_only: bool, exc: Exception) -> DatabaseError:
    """DuckDB's message for a file it cannot open, said in one line the user can act on."""
    msg = str(exc)
    if "not a valid DuckDB database" in msg:
        return DatabaseError(f"{path} is not a DuckDB database (it is some other file); "
                             "name another file with --db or COPYDESK_DB")
    if path.is_dir() or "Is a directory" in msg:
        return DatabaseError(f"{path} is a folder, not a DuckDB database file")
    if "Read-only file system" in msg:
        return DatabaseError(f"{path} is on a read-only file system: it can be read (the dashboard, "
                             "'copydesk queue', 'copydesk export') but not written")
    if not path.parent.is_dir():
        return DatabaseError(f"cannot create database {path}: folder {path.parent} does not exist")
    if "Permission denied" in msg:
        return DatabaseError(f"cannot open database {path}: permission denied")
    first = msg.splitlines()[0] if msg else type(exc).__name__
    return DatabaseError(f"cannot open database {path}{' read-only' if read_only else ''}: {first}")


class _ModeGate:
    """Per-process gate: many read-only connections, or one read-write connection; writers first.

    DuckDB refuses a read-only and a read-write connection to the same file in one process
    ("different configuration"), and Streamlit serves every editor from one process.  Without
    a gate a steady stream of page reads would starve an editor's decision.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    def acquire(self, read_only: bool, deadline: float) -> None:
        with self._cond:
            if read_only:
                while self._writer or self._writers_waiting:
                    if not self._cond.wait(timeout=max(0.0, deadline - time.monotonic())):
                        raise DatabaseBusy("database busy: a decision is being written")
                self._readers += 1
                return
            self._writers_waiting += 1
            try:
                while self._writer or self._readers:
                    if not self._cond.wait(timeout=max(0.0, deadline - time.monotonic())):
                        raise DatabaseBusy("database busy: pages are reading")
                self._writer = True
            finally:
                self._writers_waiting -= 1

    def release(self, read_only: bool) -> None:
        with self._cond:
            if read_only:
                self._readers -= 1
            else:
                self._writer = False
            self._cond.notify_all()


_GATE = _ModeGate()
_OPEN_CLOSE = threading.Lock()      # DuckDB's per-process instance cache can race on attach/detach


def _in_process_conflict(exc: Exception) -> bool:
    msg = str(exc)
    return "different configuration" in msg or "file handle conflict" in msg or "already attached" in msg


@contextmanager
def session(db: str | os.PathLike | None = None, *, read_only: bool = False, wait: float | None = None,
            open_read_write: bool = False):
    """``with session(db) as con:`` — a short-lived connection, always closed.

    Safe for many threads of one process (Streamlit serves every editor from one).

    Connections of this process pass :class:`_ModeGate` (readers share, a writer is alone and
    goes first) and are opened and closed under a lock; another *process* holding the write
    lock (a CLI import) is waited out by ``copydesk.db.connect``.

    ``open_read_write`` (with ``read_only``): a reader for the gate, but the file is opened
    read-write.  DuckDB refuses a read-only and a read-write connection to one file in one
    process, while read-write connections share one instance; a process that also writes
    through connections outside the gate (the dashboard imports browser uploads with the
    importer's own connection) passes it on every read.  The caller chooses, per call: no
    module-wide switch.
    """
    import duckdb

    settings.check("COPYDESK_LOCK_WAIT")
    deadline = time.monotonic() + (LOCK_WAIT_SECONDS if wait is None else wait)
    _GATE.acquire(read_only, deadline)
    try:
        delay = 0.01
        while True:
            try:
                with _OPEN_CLOSE:            # never wait while holding it: one attempt, then sleep
                    con = connect(db, read_only=read_only, wait=0, open_read_write=open_read_write)
                break
            except DatabaseBusy:       # another process (a CLI import) is writing
                if time.monotonic() >= deadline:
                    raise
            except duckdb.Error as exc:
                if not _in_process_conflict(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 1.5, 0.25)
        try:
            yield con
        finally:
            with _OPEN_CLOSE:
                con.close()
    finally:
        _GATE.release(read_only)


def schema_queries() -> list[str]:
    """The files that create the tables and views, in order (``queries/schema/NN_name``).  (Read
    when a database is first opened, not at import: the query library loads every file.)"""
    return sorted(n for n in queries.all_queries() if re.fullmatch(r"schema/\d\d_\w+", n))


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """``with transaction(con):`` — the block in one transaction: committed at its end, rolled back
    when it raises (what it raised goes on; a failed COMMIT has ended the transaction already)."""
    import duckdb

    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass
        raise


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table and view (``queries/schema/NN_name``, in order); idempotent.

    A database of the first layout (``posts`` a table with a second copy of every current
    revision) is migrated first.  All of it is one transaction: a new database's schema is one
    write of DuckDB's log, not one (and a sync) per statement (~0.03 s instead of ~0.04 s)."""
    with transaction(con):
        if queries.run(con, "schema/posts_is_table").fetchall()[0][0]:
            queries.run(con, "schema/migrate_posts_view")
        for name in schema_queries():
            queries.run(con, name)


def open_db(path: str | os.PathLike | None = None, wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """A read-write connection with the schema in place."""
    con = connect(path, wait=wait)
    ensure_schema(con)
    return con
