"""Import page dumps and JSON Lines into DuckDB: idempotent, incremental, revision-aware.

The inputs are read as a stream of chunks (up to ``CHUNK_SIZE`` files each).  Worker
processes read, hash (sha256) and parse a chunk; the main process writes chunks in
batches, ONE transaction per batch (``batch_size`` files, or fewer after
``yield_every`` seconds): the ledger rows (``import_files``) and the new revisions
(``post_revisions``, each stored once; the flag ``is_current`` marks the row the
``posts`` view shows for each post).  Memory therefore stays flat with corpus size,
and an interrupted import leaves the database as it was before the unfinished batch;
running it again skips what is already there (same source file, same sha256 →
``unchanged``) and finishes the job.

Between two batches the connection is closed (when it has been open for
``yield_every`` seconds) so that the dashboard (another process) can read.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import multiprocessing as mp
import operator
import os
import shutil
import tempfile
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Callable, Iterable

import pyarrow as pa

from . import db as dbmod
from . import hooks, queries
from .clock import utc_now
from .parse import MAX_FILE_BYTES, Rejected, parse_page, parse_record
from .sources import Item, iter_items

# One transaction ("batch") holds up to BATCH_SIZE files: at least one DuckDB row group
# (122,880 rows), which DuckDB then writes compressed straight into the file instead of
# logging every row in the WAL first and compressing it again at the next checkpoint.
BATCH_SIZE = 131_072
CHUNK_SIZE = 5000          # files per parse task (what a worker process reads and parses)
SHM_NEEDED = 1 << 30       # bytes free in /dev/shm to hand chunks over there (else the temp folder)
YIELD_EVERY = 15.0         # seconds: a batch that runs longer commits early, readers get a turn
# DuckDB caches up to 80 % of RAM by default; an import caps it so memory stays flat.
MEMORY_LIMIT = os.environ.get("COPYDESK_IMPORT_MEMORY", "1GB")
CHECKPOINT_THRESHOLD = os.environ.get("COPYDESK_IMPORT_CHECKPOINT", "256MB")
# DuckDB threads while files are written: the parser processes use the other cores, and
# more DuckDB threads only contend with them (1M posts: 83 s with 2 threads, 77 s with 1).
THREADS = int(os.environ.get("COPYDESK_IMPORT_THREADS", "1"))

# Arrow types of the parsed columns, matching queries/schema_10_import.sql.
_STR, _INT, _BOOL, _LIST = pa.string(), pa.int64(), pa.bool_(), pa.list_(pa.string())
REVISION_SCHEMA = pa.schema([
    ("revision_id", _INT), ("live", _BOOL), ("post_id", _STR), ("site", _STR), ("title", _STR),
    ("body", _STR), ("topic", _STR), ("summary", _STR), ("status", _STR), ("version", _STR),
    ("last_reviewed", pa.date32()), ("view_count", _INT), ("reading_time", _INT),
    ("difficulty", _STR), ("code_language", _STR), ("score_quality", _INT),
    ("score_freshness", _INT), ("score_depth", _INT), ("score_clarity", _INT),
    ("ai_generated_style", _BOOL), ("has_images", _BOOL), ("image_heavy", _BOOL),
    ("needs_human_review", _BOOL), ("stack", _LIST), ("tools", _LIST), ("checklist", _LIST),
    ("entities", _STR), ("reference", _STR), ("content_hash", _STR), ("ai_brief", _STR),
    ("ai_outline", _STR), ("notes", _LIST), ("generator", _STR), ("scenario", _STR),
    ("paragraphs", _INT), ("seed", _INT), ("has_meta", _BOOL), ("extra_meta", _STR),
    ("warnings", _LIST), ("source_file", _STR), ("source_sha256", _STR), ("article_hash", _STR),
    ("batch_id", _INT), ("imported_at", pa.timestamp("us")),
])
_JSON_COLS = ("entities", "ai_outline", "extra_meta")
_JSON = json.JSONEncoder(ensure_ascii=False)          # json.dumps(…, ensure_ascii=False) builds one per call
# Columns the worker fills per row (in schema order), and those that are the same for
# the whole chunk (built as constant arrays).
_CONSTANT_COLS = ("revision_id", "live", "batch_id", "imported_at")
_ROW_COLS = tuple(name for name in REVISION_SCHEMA.names if name not in _CONSTANT_COLS)
_row_values = operator.itemgetter(*_ROW_COLS)
LEDGER_SCHEMA = pa.schema([
    ("batch_id", _INT), ("source_file", _STR), ("sha256", _STR), ("size_bytes", _INT),
    ("outcome", _STR), ("post_id", _STR), ("warnings", pa.int32()), ("message", _STR),
    ("recorded_at", pa.timestamp("us")),
])
OUTCOMES = ("imported", "updated", "unchanged", "rejected")


@dataclass
class ImportSummary:
    batch_id: int
    source: str
    files_seen: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    posts_total: int = 0
    seconds: float = 0.0
    status: str = "running"
    rejects: list[dict] = field(default_factory=list)   # the first few, for the CLI

    def as_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- worker side

def _read(item: Item) -> bytes:
    if item.data is not None:
        return item.data
    # os.read sized by fstat: a buffered ``read(MAX_FILE_BYTES + 1)`` allocates the whole
    # limit for every file (a 64 MB buffer per 8 KB page: 4x slower than the read itself).
    fd = os.open(item.path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        if size > MAX_FILE_BYTES:
            raise Rejected(f"file too large ({size} bytes > {MAX_FILE_BYTES})")
        data = os.read(fd, size + 1)
        if len(data) != size:                 # short read, or the file changed size meanwhile
            parts, total = [data], len(data)
            while total <= MAX_FILE_BYTES:
                more = os.read(fd, 1 << 20)
                if not more:
                    break
                parts.append(more)
                total += len(more)
            data = b"".join(parts)
            if len(data) > MAX_FILE_BYTES:
                raise Rejected(f"file too large (more than {MAX_FILE_BYTES} bytes)")
    finally:
        os.close(fd)
    return data


def process_chunk(items: list[Item], known: dict[str, tuple[str, str]], batch_id: int,
                  first_revision_id: int, imported_at: dt.datetime,
                  spill_to: str | None = None) -> tuple[pa.Table | str, pa.Table, dict]:
    """Read, hash and parse one chunk.  Returns (revisions, ledger, counts).

    With ``spill_to`` (a file path, in shared memory when there is some) the revisions
    are written there as an Arrow IPC file and the path is returned instead: the main
    process maps it without a copy, where a pickled table would be copied three times
    on its way through a pipe.
    """
    # A chunk makes hundreds of thousands of small acyclic objects: the cyclic garbage
    # collector would only walk them again and again (about a fifth of the parse time).
    enabled = gc.isenabled()
    gc.disable()
    try:
        revs, ledger, counts = _process_chunk(items, known, batch_id, first_revision_id, imported_at)
        if spill_to is None:
            return revs, ledger, counts
        try:
            with pa.OSFile(spill_to, "wb") as sink, pa.ipc.new_file(sink, revs.schema) as writer:
                writer.write_table(revs)
        except OSError:             # no room left (a small /dev/shm): send the table itself
            try:
                os.unlink(spill_to)
            except OSError:
                pass
            return revs, ledger, counts
        return spill_to, ledger, counts
    finally:
        if enabled:
            gc.enable()


def _pack(items: list[Item]) -> list[tuple]:
    """Items as plain tuples: pickled to a worker process several times faster than dataclasses."""
    return [(i.source_file, i.kind, i.path, i.data, i.size, i.reject) for i in items]


def _process_packed(packed: list[tuple], *args) -> tuple[pa.Table | str, pa.Table, dict]:
    return process_chunk([Item(*t) for t in packed], *args)


def _process_chunk(items, known, batch_id, first_revision_id, imported_at):
    revs: list[tuple] = []
    ledger: dict[str, list] = {name: [] for name in LEDGER_SCHEMA.names}
    counts = dict.fromkeys(OUTCOMES, 0)
    counts["warnings"] = 0

    def record(item: Item, sha, size, outcome, post_id, n_warn, message):
        ledger["batch_id"].append(batch_id)
        ledger["source_file"].append(item.source_file)
        ledger["sha256"].append(sha)
        ledger["size_bytes"].append(size)
        ledger["outcome"].append(outcome)
        ledger["post_id"].append(post_id)
        ledger["warnings"].append(n_warn)
        ledger["message"].append(message)
        ledger["recorded_at"].append(imported_at)
        counts[outcome] += 1
        counts["warnings"] += n_warn

    for item in items:
        if item.reject:
            record(item, None, item.size, "rejected", None, 0, item.reject)
            continue
        try:
            data = _read(item)
        except OSError as exc:
            record(item, None, item.size, "rejected", None, 0, f"unreadable: {exc.strerror or exc}")
            continue
        except Rejected as exc:
            record(item, None, item.size, "rejected", None, 0, str(exc))
            continue
        sha = hashlib.sha256(data).hexdigest()
        prev = known.get(item.source_file)
        if prev is not None and prev[0] == sha:
            record(item, sha, len(data), "unchanged", prev[1], 0, None)
            continue
        try:
            if item.kind == "record":
                try:
                    obj = json.loads(data)
                except (ValueError, UnicodeDecodeError) as exc:
                    raise Rejected(f"not valid JSON: {exc}") from None
                row = parse_record(obj)
            else:
                row = parse_page(data)
        except Rejected as exc:
            record(item, sha, len(data), "rejected", None, 0, str(exc))
            continue
        except Exception as exc:   # a parser bug must not lose the file: record it
            record(item, sha, len(data), "rejected", None, 0, f"parser error: {type(exc).__name__}: {exc}")
            continue
        outcome = "updated" if prev is not None else "imported"
        warns = row["warnings"]
        record(item, sha, len(data), outcome, row["post_id"],
               len(warns), "; ".join(warns)[:2000] if warns else None)
        for col in _JSON_COLS:
            if row[col] is not None:
                row[col] = _JSON.encode(row[col])
        row["source_file"] = item.source_file
        row["source_sha256"] = sha
        revs.append(_row_values(row))
    return _revision_table(revs, first_revision_id, batch_id, imported_at), pa.table(ledger, schema=LEDGER_SCHEMA), counts


def _revision_table(rows: list[tuple], first_revision_id: int, batch_id: int,
                    imported_at: dt.datetime) -> pa.Table:
    """Parsed rows (tuples in _ROW_COLS order) → one Arrow table, built column by column."""
    n = len(rows)
    columns = dict(zip(_ROW_COLS, zip(*rows))) if n else dict.fromkeys(_ROW_COLS, ())
    arrays = []
    for f in REVISION_SCHEMA:
        if f.name == "revision_id":
            arrays.append(pa.array(range(first_revision_id, first_revision_id + n), f.type))
        elif f.name == "live":
            arrays.append(pa.array([True] * n, f.type))
        elif f.name == "batch_id":
            arrays.append(pa.array([batch_id] * n, f.type))
        elif f.name == "imported_at":
            arrays.append(pa.array([imported_at] * n, f.type))
        else:
            arrays.append(pa.array(columns[f.name], f.type))
    return pa.Table.from_arrays(arrays, schema=REVISION_SCHEMA)


# --------------------------------------------------------------------------- main side

def _load_spilled(revs: pa.Table | str) -> pa.Table:
    """A chunk's revisions: the table itself, or mapped from the worker's spill file."""
    if isinstance(revs, str):
        with pa.memory_map(revs) as source:
            table = pa.ipc.open_file(source).read_all()
        os.unlink(revs)            # the mapping stays valid until the table is released
        return table
    return revs


def _spill_dir() -> str:
    """A fresh folder for the workers' chunk files: in shared memory when it has room
    (``SHM_NEEDED``), else in the temporary folder.

    Folders left by an import that was killed (its process is gone) are removed first."""
    shm, tmp = "/dev/shm", tempfile.gettempdir()
    usable = [d for d in (shm, tmp) if os.path.isdir(d) and os.access(d, os.W_OK)]
    for folder in usable:
        for name in os.listdir(folder):
            pid = name.split("-")[2] if name.startswith("copydesk-import-") else ""
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(os.path.join(folder, name), ignore_errors=True)
    base = tmp
    if shm in usable:
        st = os.statvfs(shm)
        if st.f_bavail * st.f_frsize >= SHM_NEEDED:
            base = shm
    return tempfile.mkdtemp(prefix=f"copydesk-import-{os.getpid()}-", dir=base)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _chunks(items: Iterable[Item], size: int):
    """Chunks of ``size`` items.  Large chunks start smaller (1/8, 1/8, 1/4, 1/2: one
    chunk's worth) so that both parser processes are busy soon."""
    it = iter(items)
    ramp = [size // 8, size // 8, size // 4, size - 2 * (size // 8) - size // 4] if size >= 1000 else []
    while True:
        chunk = list(islice(it, ramp.pop(0) if ramp else size))
        if not chunk:
            return
        yield chunk


@dataclass
class _RunState:
    """What one import run knows without asking the database.

    Into an empty database nothing can be ``unchanged`` or ``updated`` (a run sees each
    source file once), and a post exists only if this run wrote it: the look-ups that
    would scan the growing tables for every chunk are skipped.
    """
    db_had_files: bool
    db_had_posts: bool
    run_ids: set = field(default_factory=set)


def _known(con, chunk: list[Item], state: _RunState | None = None) -> dict[str, tuple[str, str]]:
    if state is not None and not state.db_had_files:
        return {}
    names = pa.table({"source_file": pa.array([i.source_file for i in chunk if not i.reject], _STR)})
    con.register("chunk_files", names)
    try:
        rows = queries.run(con, "ingest/known_files").fetchall()
    finally:
        con.unregister("chunk_files")
    return {src: (sha, post_id) for src, sha, post_id in rows}


def _write_chunk(con, batch_id: int, revs: pa.Table, ledger: pa.Table, counts: dict,
                 known: dict[str, tuple[str, str]], state: _RunState | None = None) -> None:
    """Write one chunk inside the caller's open transaction.

    Each revision is written once, into ``post_revisions``; which one is its post's current
    row (what the ``posts`` view shows) is the flag ``is_current``, so a newer revision, a
    changed file or a re-derivation only flips flags (narrow updates, never a row copy).
    """
    updated_files = [src for src, outcome in zip(ledger.column("source_file").to_pylist(),
                                                 ledger.column("outcome").to_pylist())
                     if outcome == "updated"]
    chunk_ids = revs.column("post_id").to_pylist()
    rev_ids = revs.column("revision_id").to_pylist()
    # Posts touched by a changed file are re-derived from all their revisions; the others
    # only compare this chunk's revisions with their current row (fast: no scan of the
    # history, and nothing to change when the current row still wins).
    full = set(known[src][1] for src in updated_files)
    if updated_files:
        full.update(pid for pid, src in zip(chunk_ids, revs.column("source_file").to_pylist())
                    if src in known)
    fast = set(chunk_ids) - full
    current: set[int] = set()           # revision ids inserted as their post's current row
    try:
        if updated_files:
            con.register("chunk_updated", pa.table({"source_file": pa.array(updated_files, _STR)}))
            queries.run(con, "ingest/supersede_revisions")
        if fast and state is not None and not state.db_had_posts:
            # Only posts this run already wrote, or that come twice in this chunk, can
            # have a current row to compare with; the others are current as they are.
            seen: set[str] = set()
            maybe = fast & state.run_ids
            for pid in chunk_ids:
                if pid in seen:
                    maybe.add(pid)
                seen.add(pid)
            current.update(rid for pid, rid in zip(chunk_ids, rev_ids) if pid in fast and pid not in maybe)
            fast = maybe
        if fast:
            con.register("chunk_fast", pa.table({"post_id": pa.array(sorted(fast), _STR)}))
            con.register("chunk_revisions", revs)
            winners = queries.run(con, "ingest/chunk_winners").fetchall()
            if winners:
                con.register("chunk_winners", pa.table({
                    "post_id": pa.array([w[0] for w in winners], _STR),
                    "revision_id": pa.array([w[1] for w in winners], _INT)}))
                queries.run(con, "ingest/retire_current")
                current.update(w[1] for w in winners)
        if revs.num_rows:
            flags = pa.array([rid in current for rid in rev_ids], _BOOL)
            con.register("chunk_revisions", revs.append_column("is_current", flags))
            queries.run(con, "ingest/insert_revisions")
        if full:
            con.register("chunk_affected", pa.table({"post_id": pa.array(sorted(full), _STR)}))
            queries.run(con, "ingest/refresh_posts")
        con.register("chunk_ledger", ledger)
        queries.run(con, "ingest/insert_files")
        queries.run(con, "ingest/count_batch", batch_id=batch_id, files_seen=ledger.num_rows,
                    **{k: counts[k] for k in (*OUTCOMES, "warnings")})
        if state is not None:
            state.run_ids.update(chunk_ids)
    finally:
        for name in ("chunk_updated", "chunk_revisions", "chunk_affected", "chunk_fast",
                     "chunk_winners", "chunk_ledger"):
            try:
                con.unregister(name)
            except Exception:
                pass


def _open(db):
    con = dbmod.open_db(db)
    queries.run(con, "ingest/memory_limit", limit=MEMORY_LIMIT)
    queries.run(con, "ingest/checkpoint_threshold", size=CHECKPOINT_THRESHOLD)
    queries.run(con, "ingest/threads", threads=THREADS)
    return con


def _now() -> dt.datetime:
    return utc_now()


def import_paths(paths: list, db=None, *, batch_size: int = BATCH_SIZE, workers: int | None = None,
                 progress: Callable[[int], None] | None = None, yield_every: float = YIELD_EVERY,
                 source: str | None = None, items: Iterable[Item] | None = None,
                 after_import: bool = True) -> ImportSummary:
    """Import ``paths`` (files, folders, archives) into the database ``db``.

    Files are parsed in chunks of up to ``CHUNK_SIZE`` and written in transactions
    ("batches") of up to ``batch_size`` files, or fewer when a batch has run for
    ``yield_every`` seconds; between two batches the connection is closed so that
    another process (the dashboard) can read.  ``progress(n)`` is called with the
    number of inputs done after each chunk.  ``items`` overrides the enumeration of
    ``paths`` (used for browser uploads).
    """
    t0 = time.perf_counter()
    all_items = items if items is not None else iter_items(_distinct_roots(paths))
    label = source or ", ".join(str(p) for p in paths)
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    imported_at = _now()

    con = _open(db)
    batch_id = queries.run(con, "ingest/start_batch", started_at=imported_at, source=label).fetchall()[0][0]
    summary = ImportSummary(batch_id=batch_id, source=label)
    next_rev = queries.run(con, "ingest/next_revision_id").fetchall()[0][0]
    n_revisions, n_posts = queries.run(con, "ingest/database_state").fetchall()[0]
    state = _RunState(db_had_files=n_revisions > 0, db_had_posts=n_posts > 0)
    opened = time.monotonic()
    if workers > 1:
        # pyarrow imports pandas the first time it converts Python values (0.2 s): once,
        # here, rather than in every forked parser process and again in this one.
        pa.array([0])
    pool = mp.get_context("fork").Pool(workers) if workers > 1 else None
    spill = _spill_dir() if pool else None
    n_chunks = 0
    pending: deque = deque()
    done = 0
    tx = {"started": 0.0, "counts": [], "open": False}     # the open batch: its chunks' counts

    def commit() -> None:
        nonlocal con, opened
        con.execute("COMMIT")
        tx["open"] = False
        for counts, files, ledger in tx["counts"]:      # the summary counts what is committed
            for k in (*OUTCOMES, "warnings"):
                setattr(summary, k, getattr(summary, k) + counts[k])
            summary.files_seen += files
            if ledger is not None and len(summary.rejects) < 20:
                for src, outcome, msg in zip(ledger.column("source_file").to_pylist(),
                                             ledger.column("outcome").to_pylist(),
                                             ledger.column("message").to_pylist()):
                    if outcome == "rejected" and len(summary.rejects) < 20:
                        summary.rejects.append({"source_file": src, "reason": msg})
        tx["counts"] = []
        if yield_every and time.monotonic() - opened > yield_every:
            con.close()      # let a reader in between two batches
            con = _open(db)
            opened = time.monotonic()

    def drain_one() -> None:
        nonlocal done
        fut, known, n = pending.popleft()
        revs, ledger, counts = fut.get() if pool else fut
        revs = _load_spilled(revs)
        if not tx["open"]:
            con.execute("BEGIN TRANSACTION")
            tx.update(open=True, started=time.monotonic())
        _write_chunk(con, batch_id, revs, ledger, counts, known, state)
        tx["counts"].append((counts, ledger.num_rows,
                             ledger.select(["source_file", "outcome", "message"]) if counts["rejected"] else None))
        done += n
        if progress:
            progress(done)
        batch_files = sum(files for _counts, files, _ledger in tx["counts"])
        if batch_files >= batch_size or (yield_every and time.monotonic() - tx["started"] > yield_every):
            commit()

    status = "failed"
    try:
        for chunk in _chunks(all_items, min(batch_size, CHUNK_SIZE)):
            known = _known(con, chunk, state)
            n_chunks += 1
            args = (chunk, known, batch_id, next_rev, imported_at,
                    os.path.join(spill, f"chunk-{n_chunks}.arrow") if spill else None)
            next_rev += len(chunk)
            if pool:
                args = (_pack(chunk), *args[1:])
                pending.append((pool.apply_async(_process_packed, args), known, len(chunk)))
                while len(pending) > workers:
                    drain_one()
            else:
                pending.append((process_chunk(*args), known, len(chunk)))
                drain_one()
        while pending:
            drain_one()
        if tx["open"]:
            commit()
        status = "finished"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        if tx["open"]:
            con.execute("ROLLBACK")
        if pool:
            pool.terminate() if status != "finished" else pool.close()
            pool.join()
            shutil.rmtree(spill, ignore_errors=True)
        summary.status = status
        queries.run(con, "ingest/finish_batch", batch_id=batch_id, finished_at=_now(), status=status)
        if status == "finished" and after_import:
            queries.run(con, "ingest/reset_threads")
            hooks.run_after_import(con, batch_id)
        summary.posts_total = queries.run(con, "ingest/batch_summary", batch_id=batch_id).fetchall()[0][-1]
        con.close()
        summary.seconds = round(time.perf_counter() - t0, 3)
    return summary


def _distinct_roots(paths: list) -> list[str]:
    """The paths without repeats and without paths inside another given folder (each file once)."""
    resolved = []
    for p in paths:
        r = os.path.realpath(os.fspath(p))
        if r not in resolved:
            resolved.append(r)
    folders = [r for r in resolved if os.path.isdir(r)]
    return [r for r in resolved
            if not any(r != f and r.startswith(f.rstrip(os.sep) + os.sep) for f in folders)]


def count_items(paths: list) -> int | None:
    """How many inputs ``paths`` hold, cheaply (for a progress bar); None when unknown."""
    total = 0
    for raw in paths:
        p = os.fspath(raw)
        if os.path.isdir(p):
            for _root, _dirs, files in os.walk(p):
                total += len(files)
        elif p.lower().endswith(".zip"):
            import zipfile
            try:
                with zipfile.ZipFile(p) as zf:
                    total += sum(1 for i in zf.infolist() if not i.is_dir())
            except (zipfile.BadZipFile, OSError):
                total += 1
        elif p.lower().endswith((".jsonl", ".ndjson", ".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tar.xz")):
            return None
        else:
            total += 1
    return total
