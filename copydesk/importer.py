"""Import page dumps and JSON Lines into DuckDB: idempotent, incremental, revision-aware.

The inputs are read as a stream of chunks (up to ``CHUNK_SIZE`` files each).  Worker
processes read, hash (sha256) and parse a chunk (in parts of up to ``PART_FILES`` files, joined
again in the main process); the main process writes chunks in
batches, ONE transaction per batch (from ``batch_size`` files, or from ``yield_every``
seconds, to the first clean cut: :func:`_clean_cut`): the ledger rows (``import_files``) and the new revisions
(``post_revisions``, each stored once; the flag ``is_current`` marks the row the
``posts`` view shows for each post).  Memory therefore stays flat with corpus size,
and an interrupted import leaves the database as it was before the unfinished batch;
running it again skips what is already there (same source file, same sha256 →
``unchanged``) and finishes the job.

Between two batches the connection is closed (when it has been open for
``yield_every`` seconds) so that the dashboard (another process) can read.

Into a new database file nothing is known yet, the batch is the first and so is the first
revision id: the parser processes start on the first chunks before DuckDB is even loaded
(:meth:`_ImportRun._hand_out_ahead`).  This module therefore imports DuckDB where it uses it
(``import duckdb`` in the functions that catch its errors), never at the top: the parser
processes are forked without it (~0.1 s of this process's start), and parse while it loads
DuckDB and creates the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import operator
import os
import re
import shutil
import stat
import tempfile
import threading
import time
from collections import Counter, deque
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Callable, Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import db as dbmod
from .arrays import pyarrow_without_pandas, ranges, scanned_once
from . import fastpage, hooks, queries, settings
from .clock import utc_now
from .errors import CopydeskError, ImportFailed
from .parse import JSON_TEXT, MAX_FILE_BYTES, Rejected, parse_page, parse_record
from .sources import Item, display_name, iter_items

# One transaction ("batch") holds about BATCH_SIZE files: at least one DuckDB row group
# (122,880 rows), which DuckDB then writes compressed straight into the file instead of
# logging every row in the WAL first and compressing it again at the next checkpoint.
BATCH_SIZE = 131_072
# DuckDB's rows per row group.  A transaction that appends more than this to a table leaves its
# last, partial row group where it is, and the next one's row groups come after it.  At every
# checkpoint DuckDB merges runs of adjacent row groups that fit in fewer (its "vacuum"), re-reading
# and compressing them again; with a small partial group after every batch, each checkpoint merged
# most of the table again (1M posts: checkpoints of 3.7, 5.6, 10.4 and 8.0 s, against ~0.9 s).
# So a batch due by size or time ends where no table gets a small partial group: each table's rows
# in the transaction under one row group, or a last group at least half full (:func:`_clean_cut`);
# no two partial groups then fit in one.  It ends anyway at twice the batch size or time.
ROW_GROUP_ROWS = 122_880
CHUNK_SIZE = 5000          # files per chunk: the unit of revision ids, of the look-up of known files and of a write
# A chunk is parsed in parts of at most PART_FILES files, each a task of the parser processes: the
# last chunks of an import then end at about the same time in every process (with whole chunks of
# 5,000 files one process parsed the last chunk alone while the other waited, ~0.7 s at 20k posts).
PART_FILES = 1250
# A database holding files: after this many chunks the run looks its chunks' files up through an
# index of the live revisions' file-name hashes (built once: 0.3-0.4 s and 16 MB at 1M files), rather
# than by a scan of post_revisions per chunk (0.1 s a chunk at 1M files).
INDEX_AFTER = 2
# ... and those of consecutive chunks are read a window of this many revision ids at a time
# (:func:`_from_window`: ~20 MB of a window's names and hashes at most)
KNOWN_WINDOW = 131_072
CHUNK_BYTES = 64 << 20     # ... or fewer: bytes of archive members / uploads / records held per chunk
# A batch also commits once its chunks of large pages (over LARGE_REVISION bytes per revision
# on average) hold this many bytes (Arrow): DuckDB's memory at COMMIT grows with such a
# transaction (pages of 24 MB: ~2.8x the batch's bytes); chunks of ordinary pages do not count,
# so a corpus of them still commits whole row groups.
# (Lower is not better: with 256 MiB, DuckDB's automatic checkpoint of 60 MB pages ran out of
# its 1 GB memory cap.)
TX_BYTES = settings.number("COPYDESK_IMPORT_TX_BYTES", 1 << 30, int, lo=1)
LARGE_REVISION = 64 << 10
SHM_NEEDED = 1 << 30       # bytes free in /dev/shm to hand chunks over there (else the temp folder)
YIELD_EVERY = 15.0         # seconds: a batch that runs longer commits early, readers get a turn
# Chunks handed to the parser processes ahead of a due commit (beyond the usual ``workers``): they
# parse while this process commits (1M posts: 12 commits of ~2.4 s, the parsers idle for most of each).
COMMIT_AHEAD = 4
# The each-chunk stages (the quality signals) of parsed parts are held back, up to DEFER_SHARE of
# the files of the open transaction (and DEFER_BYTES of their revisions), and handed to the parser
# processes when a commit is due: the commit runs on one core, and the held-back stages then use
# the other (100k posts: the last commit takes ~1.3 s alone).  0 turns it off (stages in the parse task).
# Since the signals are computed in C (copydesk/_fastsignals.c) all of them fit beside a commit: 1 (all
# the files) against 0.5, alternated runs: 20k 0.959 (21 of 24 rounds faster), 100k 0.951 (4 of 4).
DEFER_SHARE = settings.number("COPYDESK_IMPORT_DEFER", 1.0, lo=0)
DEFER_BYTES = 256 << 20
STAGE_ROWS = 2048          # held-back parts handed over together while parsing: a task of at least this many rows
# DuckDB caches up to 80 % of RAM by default; an import caps it so memory stays flat.
MEMORY_LIMIT = os.environ.get("COPYDESK_IMPORT_MEMORY", "1GB")
CHECKPOINT_THRESHOLD = os.environ.get("COPYDESK_IMPORT_CHECKPOINT", "256MB")
# DuckDB threads while files are written: the parser processes use the other cores, and
# more DuckDB threads only contend with them (1M posts: 83 s with 2 threads, 77 s with 1).
THREADS = settings.number("COPYDESK_IMPORT_THREADS", 1, int, lo=1)

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
    ("source_size", _INT), ("source_mtime_ns", _INT),
])
_JSON_COLS = ("entities", "ai_outline", "extra_meta")
# Columns the worker fills per row (in schema order), and those that are the same for
# the whole chunk (built as constant arrays).
_CONSTANT_COLS = ("revision_id", "live", "batch_id", "imported_at")
# The size and modification time (ns) of the file a revision was read from, when it was read
# (:func:`_read`): a later import takes a file of that size and time as unchanged without reading it.
_STAT_COLS = ("source_size", "source_mtime_ns")
_ROW_COLS = tuple(name for name in REVISION_SCHEMA.names if name not in _CONSTANT_COLS + _STAT_COLS)
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
    posts_new: int = 0          # posts this batch added (no revision from an earlier batch)
    posts_replaced: int = 0     # posts whose newer revision from this batch replaced the current one
    seconds: float = 0.0
    status: str = "running"
    rejects: list[dict] = field(default_factory=list)   # the first few, for the CLI

    def as_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- worker side

# A file modified less than this before it was read may be modified again within its modification
# time's granularity (a second or two on some file systems) without the time changing: its time
# is not kept, and the next import reads it.
RECENT_NS = 3_000_000_000


def _read(item: Item) -> tuple[bytes, int | None]:
    """The input's bytes, and the modification time (ns) of the file they were read from when a
    later import may trust it (:data:`RECENT_NS`; None for bytes already read: archive members, uploads)."""
    if item.data is not None:
        return item.data, None
    # os.read sized by fstat: a buffered ``read(MAX_FILE_BYTES + 1)`` allocates the whole
    # limit for every file (a 64 MB buffer per 8 KB page: 4x slower than the read itself).
    # O_NONBLOCK: a FIFO put in place of a file after it was listed must not block the open.
    fd = os.open(item.path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Rejected("not a regular file: not read")
        size = st.st_size
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
    mtime = st.st_mtime_ns
    return data, (mtime if len(data) == size and time.time_ns() - mtime >= RECENT_NS else None)


def process_chunk(items: list[Item], known: pa.Table | dict[str, tuple], batch_id: int,
                  first_revision_id: int, imported_at: dt.datetime,
                  spill_to: str | None = None) -> tuple[pa.Table | str, pa.Table, dict]:
    """Read, hash and parse one chunk (``known``: the chunk's files the database holds, from
    :func:`_known`, or as a dict {file: (sha256, post, size, modification time)}).  Returns
    (revisions, ledger, counts).

    With ``spill_to`` (a file path, in shared memory when there is some) the revisions
    are written there as an Arrow IPC file and the path is returned instead: the main
    process maps it without a copy, where a pickled table would be copied three times
    on its way through a pipe.
    """
    return _parse_chunk(items, known, batch_id, first_revision_id, imported_at, spill_to)[:3]


def _parse_chunk(items, known, batch_id, first_revision_id, imported_at, spill_to=None,
                 with_stages: bool = False) -> tuple[pa.Table | str, pa.Table, dict, dict]:
    """:func:`process_chunk`, plus the results of the each-chunk stages (``copydesk.hooks``) on
    the chunk's revisions when ``with_stages``: (revisions, ledger, counts, stage results)."""
    # A chunk makes hundreds of thousands of small acyclic objects: the cyclic garbage
    # collector would only walk them again and again (about a fifth of the parse time).
    with hooks.collector_off():
        revs, ledger, counts = _process_chunk(items, known, batch_id, first_revision_id, imported_at)
        extras = hooks.run_each_chunk(revs, hooks.chunk_stages()) if with_stages and revs.num_rows else {}
        if spill_to is None or not revs.num_rows:      # (no revision: nothing worth a file)
            return revs, ledger, counts, extras
        try:
            with pa.OSFile(spill_to, "wb") as sink, pa.ipc.new_file(sink, revs.schema) as writer:
                writer.write_table(revs)
        except OSError:             # no room left (a small /dev/shm): send the table itself
            try:
                os.unlink(spill_to)
            except OSError:
                pass
            return revs, ledger, counts, extras
        return spill_to, ledger, counts, extras


def _stages_of(parts: list[tuple]) -> dict:
    """A parser process: the each-chunk stages' results (``copydesk.hooks``) for parts parsed
    earlier, given as (their revisions or the spill file of that name (removed once mapped), the
    shift of their ids): the parts renumbered and read as one table, so that the stages see more
    rows at once (the quality signals read each distinct block and sentence once per slice of
    ``SLICE_CHARS``: 1,250 revisions alone take ~20% more CPU a revision than 2,500 together)."""
    with hooks.collector_off():
        tables = [_renumbered(_load_spilled(part), shift) for part, shift in parts]
        revs = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
        return hooks.run_each_chunk(revs, hooks.chunk_stages()) if revs.num_rows else {}


def _pack(items: list[Item | str]) -> list[tuple] | str:
    """Items as plain tuples: pickled to a worker process several times faster than dataclasses;
    pages of a folder (named by their path, the usual chunk) as one string of their paths.  (A
    path alone is such a page: see iter_items(runs=True).)"""
    if items and all(type(i) is str or (i.path == i.source_file and i.kind == "page" and i.size is None
                                        and i.data is None and i.reject is None) for i in items):
        return "\0".join([i if type(i) is str else i.path for i in items])       # (a file name has no NUL)
    return [(i, "page", i, None, None, None) if type(i) is str else (i.source_file, i.kind, i.path, i.data, i.size, i.reject)
            for i in items]


def _names(items: list[Item | str]) -> list[str]:
    """The inputs' names (a path alone is a page named by its path)."""
    return [i if type(i) is str else i.source_file for i in items]


def _process_packed(packed: list[tuple] | str, *args) -> tuple[pa.Table | str, pa.Table, dict, dict]:
    items = packed.split("\0") if isinstance(packed, str) else [Item(*t) for t in packed]
    return _parse_chunk(items, *args)


class _ChunkLedger:
    """The ledger rows (``import_files``, column by column) and outcome counts of one chunk."""

    def __init__(self, batch_id: int, recorded_at: dt.datetime):
        self.batch_id, self.recorded_at = batch_id, recorded_at
        # (batch_id and recorded_at are the same in every row: made whole by :meth:`table`)
        self.columns: dict[str, list] = {name: [] for name in LEDGER_SCHEMA.names
                                         if name not in ("batch_id", "recorded_at")}
        self.counts = dict.fromkeys((*OUTCOMES, "warnings"), 0)

    def record(self, item: Item, sha: str | None, size: int | None, outcome: str,
               post_id: str | None = None, n_warn: int = 0, message: str | None = None) -> None:
        c = self.columns
        c["source_file"].append(item.source_file)
        c["sha256"].append(sha)
        c["size_bytes"].append(size)
        c["outcome"].append(outcome)
        c["post_id"].append(post_id)
        c["warnings"].append(n_warn)
        c["message"].append(message)
        self.counts[outcome] += 1
        self.counts["warnings"] += n_warn

    def reject(self, item: Item, reason: str, sha: str | None = None, size: int | None = None) -> None:
        self.record(item, sha, size, "rejected", message=reason)

    def table(self, columns: dict | None = None) -> pa.Table:
        """The rows recorded, or ``columns`` (every column but the two constant ones), as a table."""
        columns = self.columns if columns is None else columns
        n = len(columns["source_file"])
        return pa.table({"batch_id": pa.repeat(pa.scalar(self.batch_id, _INT), n), **columns,
                         "recorded_at": pa.repeat(pa.scalar(self.recorded_at, LEDGER_SCHEMA.field("recorded_at").type), n)},
                        schema=LEDGER_SCHEMA)


def _process_chunk(items, known, batch_id, first_revision_id, imported_at):
    """``items``: the chunk's inputs, or the paths of its plain pages (:func:`_process_packed`)."""
    ledger = _ChunkLedger(batch_id, imported_at)
    same = _still_as_read(items, known, ledger)
    known = _known_dict(known if same is None else same[1])
    todo = items if same is None else _without(items, same[0])
    rows: list[tuple] = []                  # the full parser's rows
    matched: tuple = ([], [], [])           # the fast path's matches: (match, source file, sha256) as lists
    fast: list[bool] = []                   # each revision: the fast path's (True) or the full parser's
    stats: list[tuple] = []                 # (size, mtime) of each revision's file, in input order
    if fastpage.read_pages is not None and todo and all(type(i) is str for i in todo) \
            and known.keys().isdisjoint(todo):
        table = _read_pages(todo, ledger, rows, matched, fast, stats)
    else:
        found: list[tuple] = []
        for item in todo:
            if type(item) is str:
                item = Item(item, "page", item)
            row = _process_item(item, known, ledger, found, stats)
            if row is not None:
                fast.append(row is _FAST)
                if row is not _FAST:
                    rows.append(row)
        if found:
            matched = tuple(map(list, zip(*found)))
        table = ledger.table()
    if same is not None:
        table = _interleaved(same[0], same[2], table)
    return (_revision_table(rows, first_revision_id, batch_id, imported_at, matched, fast, stats), table,
            ledger.counts)


def _read_pages(paths: list[str], ledger: _ChunkLedger, rows: list, matched: tuple, fast: list,
                stats: list) -> pa.Table:
    """:func:`_process_item` for pages named by their paths, none of them known to the database, in
    bulk: read, hashed and matched by the fast path in C (``fastpage.read_pages``), their ledger rows
    as columns; a page it does not match (or read) goes through :func:`_process_item` (with the bytes
    it read).  Appends to ``rows``, ``matched``, ``fast`` and ``stats`` as :func:`_process_chunk`'s
    loop does and returns the ledger rows as a table (``ledger`` counts them)."""
    kinds, results, shas, sizes, mtimes, ids, warned, messages = fastpage.read_pages(paths, MAX_FILE_BYTES, RECENT_NS)
    outcomes = ["imported"] * len(paths)
    counts = ledger.counts
    # each page, once the Python has read those the C left (kinds 1 and 2): 0 the fast path's match
    # (results[i]), 3 a full parser's row (results[i]), 4 no revision (rejected)
    what = bytearray(kinds)
    for i in [i for i, kind in enumerate(kinds) if kind]:
        one = _ChunkLedger(ledger.batch_id, ledger.recorded_at)
        found: list[tuple] = []
        stat_of: list[tuple] = []
        row = _process_item(Item(paths[i], "page", paths[i]), {}, one, found, stat_of,
                            (results[i], mtimes[i], shas[i]) if kinds[i] == 1 else None)
        c = one.columns
        shas[i], sizes[i], outcomes[i], ids[i], warned[i], messages[i] = (
            c["sha256"][0], c["size_bytes"][0], c["outcome"][0], c["post_id"][0], c["warnings"][0], c["message"][0])
        what[i] = 4 if row is None else 0 if row is _FAST else 3
        results[i] = found[0][0] if row is _FAST else row
        mtimes[i] = stat_of[0][1] if stat_of else None
    for outcome, k in Counter(outcomes).items():
        counts[outcome] += k
    counts["warnings"] += sum(warned)
    codes = np.frombuffer(bytes(what), np.uint8)
    quick = np.flatnonzero(codes == 0).tolist()
    matched[0].extend([results[i] for i in quick])
    matched[1].extend([paths[i] for i in quick])
    matched[2].extend([shas[i] for i in quick])
    rows.extend([results[i] for i in np.flatnonzero(codes == 3).tolist()])
    kept = np.flatnonzero(codes != 4)
    fast.extend((codes[kept] == 0).tolist())
    stats.extend([(sizes[i], mtimes[i]) for i in kept.tolist()])
    return ledger.table({"source_file": paths, "sha256": shas, "size_bytes": sizes, "outcome": outcomes,
                         "post_id": ids, "warnings": warned, "message": messages})


def _stat(path: str):
    try:
        return os.stat(path)
    except OSError:                     # (the read says what is wrong)
        return None


def _still_as_read(items: list, known: pa.Table | dict, ledger: _ChunkLedger
                   ) -> tuple[np.ndarray, pa.Table, pa.Table] | None:
    """The chunk's files that still have the size and modification time they had when the database
    read them, taken as ``unchanged`` without being read (as ``make`` and ``rsync`` judge a file), at
    once: their places in ``items``, the rest of ``known`` (for :func:`_process_item`), and their
    ledger rows, which repeat the sha256 read then (``ledger`` counts them).  None when ``known``
    names no such file.  (A re-import of 1M unchanged files: ~25 us a file one by one, mostly Python.)"""
    if isinstance(known, dict) or not known.num_rows or not items:
        return None
    timed = pc.is_valid(known.column("source_mtime_ns"))
    if not pc.any(timed).as_py():
        return None
    names = pa.array(_names(items), _STR)
    if pc.count_distinct(names).as_py() != len(names):
        return None                 # (a name twice: each is compared with the file's row, one by one)
    at = pc.index_in(known.column("source_file"), value_set=names)
    timed_here = pc.and_(timed, pc.is_valid(at))
    candidates = known.filter(timed_here)
    places = at.filter(timed_here).to_numpy()
    sizes = candidates.column("source_size").to_pylist()
    mtimes = candidates.column("source_mtime_ns").to_pylist()
    paths = [item if type(item) is str else item.path if item.data is None and not item.reject else None
             for item in (items[i] for i in places.tolist())]
    sts = [None if path is None else _stat(path) for path in paths]
    same = np.array([st is not None and st.st_mtime_ns == m and st.st_size == s and stat.S_ISREG(st.st_mode)
                     for st, s, m in zip(sts, sizes, mtimes)], bool)
    if not same.any():
        return None
    mask = pa.array(same)
    rows = candidates.filter(mask)
    n = rows.num_rows
    ledger.counts["unchanged"] += n
    table = ledger.table({
        "source_file": rows.column("source_file"), "sha256": rows.column("source_sha256"),
        "size_bytes": rows.column("source_size"), "outcome": pa.repeat(pa.scalar("unchanged", _STR), n),
        "post_id": rows.column("post_id"), "warnings": pa.repeat(pa.scalar(0, pa.int32()), n),
        "message": pa.nulls(n, _STR)})
    others = known.filter(pc.invert(timed_here))
    if not same.all():
        others = pa.concat_tables([others, candidates.filter(pc.invert(mask))])
    order = np.argsort(places[same], kind="stable")
    return places[same][order], others, table.take(order)


def _without(items: list, places: np.ndarray) -> list:
    """``items`` but those at ``places`` (sorted)."""
    keep = np.ones(len(items), bool)
    keep[places] = False
    return [items[i] for i in np.flatnonzero(keep).tolist()]


def _interleaving(is_first: np.ndarray) -> np.ndarray:
    """The order that takes, from the rows of a first table followed by those of a second, the
    first's rows where ``is_first`` holds and the second's elsewhere, each in turn."""
    n_first = int(is_first.sum())
    order = np.empty(len(is_first), np.int64)
    order[is_first] = np.arange(n_first)
    order[~is_first] = np.arange(n_first, len(is_first))
    return order


def _interleaved(places: np.ndarray, first: pa.Table, second: pa.Table) -> pa.Table:
    """The rows of ``first`` at ``places`` (sorted) and those of ``second`` in the other places, in order."""
    if not second.num_rows:
        return first
    is_first = np.zeros(len(places) + second.num_rows, bool)
    is_first[places] = True
    return pa.concat_tables([first, second]).take(_interleaving(is_first))


_FAST = object()       # _process_item: the page's values went to the fast path's matches


def _process_item(item: Item, known: dict[str, tuple], ledger: _ChunkLedger,
                  matched: list, stats: list, read: tuple | None = None) -> tuple | object | None:
    """One input: read, hash, parse; records its ledger row and returns its revision row (None
    when it is rejected or unchanged; ``_FAST`` when a well-formed page's values were appended to
    ``matched`` as (match, source file, sha256), for :func:`copydesk.fastpage.columns`); appends
    (size, modification time) of a revision's file to ``stats``.

    A file the database holds (``known``: sha256, post, size and modification time when it was
    read) that still has that size and modification time is unchanged without being read (as
    ``make`` and ``rsync`` judge a file): its ledger row repeats the sha256 it had then.

    ``read``: (bytes, modification time, sha256) of the file, read already (:func:`_read_pages`,
    whose C match did not take it)."""
    if item.reject:
        ledger.reject(item, item.reject, size=item.size)
        return None
    prev = known.get(item.source_file)
    if prev is not None and prev[3] is not None and item.path is not None and item.data is None:
        try:
            st = os.stat(item.path)
        except OSError:
            st = None                       # (the read below says what is wrong)
        if st is not None and st.st_mtime_ns == prev[3] and st.st_size == prev[2] and stat.S_ISREG(st.st_mode):
            ledger.record(item, prev[0], st.st_size, "unchanged", prev[1])
            return None
    if read is not None:
        data, mtime, sha = read
    else:
        try:
            data, mtime = _read(item)
        except OSError as exc:
            ledger.reject(item, f"unreadable: {exc.strerror or exc}", size=item.size)
            return None
        except Rejected as exc:
            ledger.reject(item, str(exc), size=item.size)
            return None
        sha = hashlib.sha256(data).hexdigest()
    if prev is not None and prev[0] == sha:
        ledger.record(item, sha, len(data), "unchanged", prev[1])
        return None
    if item.kind != "record":
        found = fastpage.match(data, c_tried=read is not None)     # a well-formed page: the fast path
        if found is not None:
            warns = fastpage.warnings(found)
            ledger.record(item, sha, len(data), "updated" if prev is not None else "imported",
                          fastpage.post_id(found), len(warns), "; ".join(warns)[:2000] if warns else None)
            matched.append((found, item.source_file, sha))
            stats.append((len(data), mtime))
            return _FAST
    try:
        row = _parse(item, data)
    except Rejected as exc:
        ledger.reject(item, str(exc), sha, len(data))
        return None
    except Exception as exc:   # a parser bug must not lose the file: record it
        ledger.reject(item, f"parser error: {type(exc).__name__}: {exc}", sha, len(data))
        return None
    warns = row["warnings"]
    ledger.record(item, sha, len(data), "updated" if prev is not None else "imported", row["post_id"],
                  len(warns), "; ".join(warns)[:2000] if warns else None)
    stats.append((len(data), mtime))
    return revision_row(row, item.source_file, sha)


def _parse(item: Item, data: bytes) -> dict:
    """The posts row of one input (a JSON Lines record or a page dump); raises :class:`Rejected`."""
    if item.kind == "record":
        try:
            obj = json.loads(data)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise Rejected(f"not valid JSON: {type(exc).__name__}: {exc}"[:500]) from None
        if b"\\u" in data:                    # an escaped lone surrogate cannot be stored as text
            obj, replaced = _without_surrogates(obj)
            row = parse_record(obj)
            if replaced:
                row["warnings"].append(f"{replaced} invalid \\u escapes (lone surrogates) replaced with U+FFFD")
            return row
        return parse_record(obj)
    return parse_page(data)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_surrogates(value):
    """A JSON value with every lone surrogate (from a ``\\udXXX`` escape) replaced by U+FFFD;
    returns (value, how many strings were changed)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value, 0
        except UnicodeEncodeError:
            return _SURROGATE.sub("\ufffd", value), 1
    if isinstance(value, list):
        out = [_without_surrogates(v) for v in value]
        return [v for v, _n in out], sum(n for _v, n in out)
    if isinstance(value, dict):
        out = [(_without_surrogates(k), _without_surrogates(v)) for k, v in value.items()]
        return {k: v for (k, _a), (v, _b) in out}, sum(a + b for (_k, a), (_v, b) in out)
    return value, 0


def revision_row(row: dict, source_file: str, sha: str) -> tuple:
    """A parsed post → its ``post_revisions`` values (``_ROW_COLS`` order).

    The one place a revision row is built from a parsed post: a value computed per post
    (a new column of ``REVISION_SCHEMA``) is added to ``row`` here."""
    for col in _JSON_COLS:
        if row[col] is not None:
            row[col] = JSON_TEXT.encode(row[col])
    row["source_file"] = source_file
    row["source_sha256"] = sha
    return _row_values(row)


def _revision_table(rows: list[tuple], first_revision_id: int, batch_id: int, imported_at: dt.datetime,
                    matched: tuple = ((), (), ()), fast: list[bool] = (), stats: list[tuple] = ()) -> pa.Table:
    """Revision rows → one Arrow table, built column by column: the full parser's rows (tuples in
    _ROW_COLS order) and the fast path's matches (three lists: :func:`copydesk.fastpage.match`'s results,
    source files, sha256s; ``fast`` says, row by row, which of the two comes next); the columns that
    are the same for the whole chunk are built once; ``stats``: each row's (source_size,
    source_mtime_ns), in input order (none: NULL)."""
    n = len(rows) + len(matched[0])
    quick = fastpage.columns_of(*matched) if matched[0] else None
    # the full parser's rows' columns, after the fast path's (then one take puts them in input order)
    parsed = {}
    if rows or quick is None:
        parsed = {name: pa.array(values, REVISION_SCHEMA.field(name).type)
                  for name, values in zip(_ROW_COLS, zip(*rows) if rows else [()] * len(_ROW_COLS))}
        if quick is not None:
            parsed = {name: pa.concat_arrays([quick[name], column]) for name, column in parsed.items()}
    read = pa.Table.from_arrays([parsed[name] if parsed else quick[name] for name in _ROW_COLS], names=list(_ROW_COLS))
    if rows and quick is not None:
        read = read.take(_interleaving(np.array(fast, bool)))      # (the fast path's rows first, then the others)
    sizes, mtimes = zip(*stats) if stats else ([None] * n, [None] * n)
    columns = {"revision_id": pa.array(np.arange(first_revision_id, first_revision_id + n, dtype=np.int64)),
               "live": pa.array(np.ones(n, bool)),
               "batch_id": pa.repeat(pa.scalar(batch_id, _INT), n),
               "imported_at": pa.repeat(pa.scalar(imported_at, REVISION_SCHEMA.field("imported_at").type), n),
               "source_size": pa.array(sizes, _INT), "source_mtime_ns": pa.array(mtimes, _INT)}
    return pa.Table.from_arrays([columns[f.name] if f.name in columns else read.column(f.name)
                                 for f in REVISION_SCHEMA], schema=REVISION_SCHEMA)


# --------------------------------------------------------------------------- main side

@dataclass(frozen=True)
class Shard:
    """A chunk's revisions written by a Dask worker as Parquet in the stage folder."""
    stage: object          # copydesk.cluster.Stage
    name: str


def _parse_to_shard(packed: list[tuple], args: tuple, stage, name: str):
    """On a Dask worker: :func:`process_chunk` (the same parser, warnings and rejects), the revisions
    written to the stage folder as the Parquet shard ``name``.  Returns (Shard, ledger, counts, each-chunk
    stage results)."""
    known, batch_id, first_revision_id, imported_at, _spill_to, with_stages = args
    revs, ledger, counts, extras = _process_packed(packed, known, batch_id, first_revision_id, imported_at, None,
                                                   with_stages)
    stage.write_table(name, revs)
    return Shard(stage, name), ledger, counts, extras


class _DaskParsers:
    """The parser pool of ``--engine dask``: each chunk is parsed by a worker of ``cluster``
    (:class:`copydesk.cluster.Cluster`) into a Parquet shard; :meth:`apply_async` has the
    shape of ``multiprocessing.Pool.apply_async`` (``.get()`` waits, cluster failures become
    :class:`~copydesk.cluster.ClusterError`)."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.n = 0
        self.futures: list = []

    def apply_async(self, fn, args: tuple):
        assert fn is _process_packed
        self.n += 1
        fut = self.cluster.client.submit(_parse_to_shard, args[0], args[1:], self.cluster.stage,
                                         f"import/chunk-{self.n}", retries=2, pure=False)
        self.futures.append(fut)
        cluster = self.cluster

        class _Result:
            def get(self):
                return cluster.wait("parse", fut, "nothing of the unfinished batch is written (batches "
                                    "committed before it stay); the same import again finishes the job")
        return _Result()

    def terminate(self) -> None:
        self.cluster.client.cancel(self.futures)

    def close(self) -> None:
        self.futures = []

    def join(self) -> None:
        pass


def _parts(chunk: list, most: int) -> list[tuple[int, list]]:
    """``chunk`` cut into parts of about the same size, at most ``most`` items each: (offset, items)."""
    n = max(1, -(-len(chunk) // max(1, most)))
    bounds = [len(chunk) * k // n for k in range(n + 1)]
    return [(bounds[k], chunk[bounds[k]:bounds[k + 1]]) for k in range(n)]


def _renumbered(table: pa.Table | tuple, shift: int) -> pa.Table | tuple:
    """``table`` with ``shift`` added to its ``revision_id`` column (when it has one); a tuple of
    tables (an each-chunk stage's result) table by table."""
    if isinstance(table, tuple):
        return tuple(_renumbered(t, shift) for t in table)
    i = table.schema.get_field_index("revision_id")
    if not shift or i < 0:
        return table
    column = table.column(i)
    return table.set_column(i, table.schema.field(i), pc.add(column, pa.scalar(shift, column.type)))


def _joined(results: list[tuple], firsts: list[int], first: int,
            deferred: list | None = None) -> tuple[pa.Table, pa.Table, dict, dict]:
    """The parse results of a chunk's parts as the chunk's (revisions, ledger, counts, stage results).

    Part ``k`` numbered its revisions from ``firsts[k]``; they are renumbered to follow the
    revisions of the parts before it, from ``first``: the ids are those the chunk parsed whole
    would have (a rejected or unchanged input takes no id; a chunk's unused ids stay unused at
    its end).  The each-chunk stages' results (Arrow tables or tuples of them, ``copydesk.hooks``)
    are renumbered the same way and joined.  With a list ``deferred`` (the parts were parsed
    without the stages) each part's spill file is kept, and (the file or the part's table, the
    shift of its ids, its rows, its bytes) appended to it for :func:`_stages_of`."""
    revs, ledgers, counts, extras = [], [], {}, {}
    next_id = first
    for (part_revs, ledger, part_counts, part_extras), part_first in zip(results, firsts):
        shift = next_id - part_first if len(results) > 1 else 0     # (a whole chunk: numbered from ``first``)
        table = _renumbered(_load_spilled(part_revs, keep=deferred is not None), shift)
        if deferred is not None and table.num_rows:
            deferred.append((part_revs, shift, table.num_rows, table.nbytes))
        for name, result in part_extras.items():
            extras.setdefault(name, [])
            if result is not None:           # (a stage that failed on a part lost only that part's result)
                extras[name].append(_renumbered(result, shift))
        next_id += table.num_rows
        revs.append(table)
        ledgers.append(ledger)
        for k, v in part_counts.items():
            counts[k] = counts.get(k, 0) + v
    if len(results) == 1:
        return revs[0], ledgers[0], counts, results[0][3]
    extras = {name: _concatenated(tables) for name, tables in extras.items()}
    return pa.concat_tables(revs), pa.concat_tables(ledgers), counts, extras


def _concatenated(results: list) -> pa.Table | tuple | None:
    """One each-chunk stage's results of several parts as one (a table, or a tuple of tables)."""
    if not results:
        return None
    if isinstance(results[0], tuple):
        return tuple(pa.concat_tables(list(tables)) for tables in zip(*results))
    return pa.concat_tables(results)


def _load_spilled(revs: pa.Table | str | Shard, keep: bool = False) -> pa.Table:
    """A chunk's revisions: the table itself, mapped from the worker's spill file (removed once
    mapped, unless ``keep``), or read from a Dask worker's Parquet shard (removed once read)."""
    if isinstance(revs, Shard):
        table = revs.stage.read_table(revs.name)
        revs.stage.fs.rm(revs.stage.path(revs.name + ".parquet"))
        return table
    if isinstance(revs, str):
        with pa.memory_map(revs) as source:
            table = pa.ipc.open_file(source).read_all()
        if not keep:
            os.unlink(revs)        # the mapping stays valid until the table is released
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


def _raising(exc: BaseException):
    """An iterator that raises ``exc`` when asked for its first item."""
    raise exc
    yield                                           # (a generator)


def _new_file(db) -> bool:
    """Whether the database ``db`` is a file not made yet (nor its write-ahead log)."""
    path = str(dbmod.db_path(db))
    return not (os.path.exists(path) or os.path.exists(path + ".wal"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _chunks(items: Iterable[Item], size: int):
    """Chunks of ``size`` items, or fewer when their bytes already read (archive members,
    uploads, JSON Lines records) would pass ``CHUNK_BYTES``: a chunk holds at most that many
    bytes (or one larger item alone), whatever the archive.  Large chunks start smaller (1/8, 1/8, 1/4, 1/2: one
    chunk's worth) so that both parser processes are busy soon.  The next item is pulled only
    once the chunk before is handed over (an archive is read as the import goes)."""
    ramp = [size // 8, size // 8, size // 4, size - 2 * (size // 8) - size // 4] if size >= 1000 else []
    chunk: list[Item | str] = []
    limit, nbytes = (ramp.pop(0) if ramp else size), 0
    for item in items:
        if type(item) is list:          # a folder's plain pages, as paths (iter_items(runs=True)): no bytes held
            at = 0
            while at < len(item):
                take = limit - len(chunk)
                chunk += item[at:at + take]
                at += take
                if len(chunk) >= limit:
                    yield chunk
                    chunk, nbytes = [], 0
                    limit = ramp.pop(0) if ramp else size
            continue
        held = len(item.data) if item.data is not None else 0
        if chunk and nbytes + held > CHUNK_BYTES:       # it would not fit: the chunk goes first
            yield chunk
            chunk, nbytes = [], 0
            limit = ramp.pop(0) if ramp else size
        chunk.append(item)
        nbytes += held
        if len(chunk) >= limit:
            yield chunk
            chunk, nbytes = [], 0
            limit = ramp.pop(0) if ramp else size
    if chunk:
        yield chunk


@dataclass
class _RunState:
    """What one import run knows without asking the database.

    Into an empty database nothing can be ``unchanged`` or ``updated`` (a run sees each
    source file once), and a post exists only if this run wrote it: the look-ups that
    would scan the growing tables for every chunk are skipped, and the current row of a post
    is looked up by its revision id (``run_ids``), which DuckDB finds without a scan.
    """
    db_had_files: bool
    db_had_posts: bool
    # the posts this run wrote -> the revision id of their current row (-1: not known)
    run_ids: dict = field(default_factory=dict)
    # chunks looked up so far, and the index of the live revisions' files (:func:`_file_index`)
    known_lookups: int = 0
    file_index: tuple | None = None
    # the window of live revisions read last (:func:`_from_window`): its first and last id, the
    # revisions' ids, and their other columns (:data:`_KNOWN_COLS`)
    window: tuple | None = None


# What a run knows of a chunk's files that the database holds: their live revision's content sha256,
# post, and the file's size and modification time when it was read (``ingest/known_files``' columns).
# ``at``: the file's place in the chunk.
_KNOWN_COLS = pa.schema([("source_file", _STR), ("source_sha256", _STR), ("post_id", _STR),
                         ("source_size", _INT), ("source_mtime_ns", _INT)])
KNOWN_SCHEMA = _KNOWN_COLS.append(pa.field("at", pa.int32()))
_NOTHING_KNOWN = pa.table([pa.nulls(0, f.type) for f in KNOWN_SCHEMA], schema=KNOWN_SCHEMA)   # (no pandas: see __init__)


def _known(con, chunk: list[Item | str], state: _RunState | None = None) -> pa.Table:
    """The live revision of each file of ``chunk`` that the database holds (:data:`KNOWN_SCHEMA`,
    a row per known file, in no particular order).

    The first chunks of a run scan ``post_revisions`` for them; from chunk ``INDEX_AFTER + 1`` on
    the run asks only for the revisions whose file name hashes like a chunk file's
    (:func:`_file_index`): DuckDB then reads the few row groups holding them, or they are served
    from the window of revisions read for an earlier chunk (:func:`_from_window`).  Columns, not
    Python objects: the parser processes make them a dict (:func:`_known_dict`)."""
    if state is not None and not state.db_had_files:
        return _NOTHING_KNOWN
    names = pa.array(_names(chunk), _STR)
    with _registered(con) as register:
        register("chunk_files", pa.table({"source_file": names}))
        if state is not None:
            state.known_lookups += 1
            if state.file_index is None and state.known_lookups > INDEX_AFTER:
                state.file_index = _file_index(con)
        if state is None or state.file_index is None:
            return _placed(queries.statement("ingest/known_files").arrow(con), names)
        hashes = queries.statement("ingest/chunk_file_hashes").arrow(con).column(0).to_numpy()
        candidates = _candidates(state.file_index, hashes)
        found = _from_window(con, state, candidates, names)
        if found is not None:
            return found
        register("chunk_candidates", pa.table({"revision_id": pa.array(candidates, pa.int64())}))
        return _placed(queries.statement("ingest/known_files_by_id").arrow(con), names)


def _from_window(con, state: _RunState, candidates: np.ndarray, names: pa.Array) -> pa.Table | None:
    """The chunk's known files, served from a window of ``KNOWN_WINDOW`` consecutive revision ids
    read in one query (``ingest/known_window``), or None when the candidates are spread wider
    than a window (files listed in another order than they were imported: looked up by id).

    A folder imported again is listed in the order it was imported in, so its files' revisions
    come in id order: one window serves ~25 chunks where DuckDB would read the same row groups
    for each chunk (1M files: 9 s of a re-import)."""
    if not len(candidates):
        return _NOTHING_KNOWN
    first, last = int(candidates.min()), int(candidates.max())
    if state.window is None or first < state.window[0] or last > state.window[1]:
        if last - first >= KNOWN_WINDOW:
            return None
        end = first + KNOWN_WINDOW - 1
        t = queries.statement("ingest/known_window", {"first": first, "last": end}).arrow(con)
        # (combined once: take() from a column of several chunks cost ~10 ms a chunk of files)
        state.window = (first, end, t.column("revision_id").to_numpy(), t.drop_columns("revision_id").combine_chunks())
    _first, _end, ids, rows = state.window
    at = np.searchsorted(ids, candidates)
    inside = at < len(ids)
    at = at[inside]
    return _placed(rows.take(at[ids[at] == candidates[inside]]), names)   # the candidates (live when read)


def _placed(rows: pa.Table, names: pa.Array) -> pa.Table:
    """The ``rows`` (``ingest/known_files``' columns) of files named in ``names`` (the chunk's
    files), with their place among them (:data:`KNOWN_SCHEMA`)."""
    at = pc.index_in(rows.column("source_file"), value_set=names)
    return rows.cast(_KNOWN_COLS).append_column(KNOWN_SCHEMA.field("at"), at.cast(pa.int32())).filter(pc.is_valid(at))


def _known_dict(known: pa.Table | dict) -> dict[str, tuple]:
    """``known`` (:func:`_known`) as {file: (sha256, post, size, modification time)}."""
    if isinstance(known, dict):
        return known
    files, *values = (known.column(name).to_pylist() for name in _KNOWN_COLS.names)
    return dict(zip(files, zip(*values)))


def _known_of(known: pa.Table, offset: int, n: int) -> pa.Table:
    """The rows of ``known`` of the ``n`` files of the chunk from ``offset`` on (a part)."""
    if not known.num_rows:
        return known
    at = known.column("at")
    return known.filter(pc.and_(pc.greater_equal(at, offset), pc.less(at, offset + n)))


def _file_index(con) -> tuple[np.ndarray, np.ndarray, bool]:
    """The live revisions' file-name hashes (sorted) and their revision ids, in step, and whether
    a hash is shared: a file of the run not among the hashes is new, and one among them is looked
    up by those ids.  Built once per run: the files of a run are each seen once, so the revisions
    the run adds are never looked up again."""
    t = queries.statement("ingest/file_index").arrow(con)
    hashes, ids = t.column("file_hash").to_numpy(), t.column("revision_id").to_numpy()
    order = np.argsort(hashes, kind="stable")
    hashes = hashes[order]
    return hashes, ids[order], bool(np.any(hashes[1:] == hashes[:-1]))


def _candidates(index: tuple[np.ndarray, np.ndarray, bool], hashes: np.ndarray) -> np.ndarray:
    """The revision ids whose file-name hash is one of ``hashes`` (every one of a hash shared by
    several names: ``ingest/known_files_by_id`` keeps those of the chunk's names)."""
    known, ids, shared = index
    hashes = np.sort(hashes)               # sorted keys: each binary search starts where the last ended
    lo = np.searchsorted(known, hashes, "left")
    if not shared:                         # the usual case: one revision at most per hash
        found = lo < len(known)
        found[found] = known[lo[found]] == hashes[found]
        return ids[lo[found]]
    hi = np.searchsorted(known, hashes, "right")
    return ids[ranges(lo, hi - lo)]


def _write_chunk(con, revs: pa.Table, ledger: pa.Table, known: pa.Table | dict,
                 state: _RunState | None = None) -> None:
    """Write one chunk inside the caller's open transaction.

    Each revision is written once, into ``post_revisions``; which one is its post's current
    row (what the ``posts`` view shows) is the flag ``is_current``, so a newer revision, a
    changed file or a re-derivation only flips flags (narrow updates, never a row copy).
    Posts touched by a changed file are re-derived from all their revisions; the others
    only compare this chunk's revisions with their current row (fast: no scan of the
    history, and nothing to change when the current row still wins).
    """
    chunk_ids = revs.column("post_id").to_pylist()
    updated_files = [src for src, outcome in zip(ledger.column("source_file").to_pylist(),
                                                 ledger.column("outcome").to_pylist())
                     if outcome == "updated"]
    full = set()
    if updated_files:
        known = _known_dict(known)
        full.update(known[src][1] for src in updated_files)
        full.update(pid for pid, src in zip(chunk_ids, revs.column("source_file").to_pylist())
                    if src in known)
    with _registered(con) as register:
        if updated_files:
            register("chunk_updated", pa.table({"source_file": pa.array(updated_files, _STR)}))
            queries.run(con, "ingest/supersede_revisions")
        current = _current_revisions(con, register, revs, chunk_ids, set(chunk_ids) - full, state)
        if revs.num_rows:
            flags = pa.array([rid in current for rid in revs.column("revision_id").to_pylist()], _BOOL)
            register("chunk_revisions", revs.append_column("is_current", flags), once=True)
            queries.run(con, "ingest/insert_revisions")
        if full:
            register("chunk_affected", pa.table({"post_id": pa.array(sorted(full), _STR)}))
            queries.run(con, "ingest/refresh_posts")
        register("chunk_ledger", ledger, once=True)
        queries.run(con, "ingest/insert_files")
    if state is not None:
        run_ids = state.run_ids
        for pid, rid in zip(chunk_ids, revs.column("revision_id").to_pylist()):
            if rid in current:
                run_ids[pid] = rid
            elif pid not in run_ids:
                run_ids[pid] = -1


_WINNER_COLS = ["post_id", "revision_id", "version", "last_reviewed", "imported_at"]   # what ingest/chunk_winners reads


def _current_revisions(con, register, revs: pa.Table, chunk_ids: list[str], fast: set[str],
                       state: _RunState | None) -> set[int]:
    """The revision ids of this chunk that become their post's current row, among the posts
    in ``fast`` (not re-derived); retires the current rows they replace."""
    current: set[int] = set()
    rev_ids = revs.column("revision_id").to_pylist()
    if fast and state is not None and not state.db_had_posts:
        # Only posts this run already wrote, or that come twice in this chunk, can have a
        # current row to compare with; the others are current as they are.
        seen: set[str] = set()
        maybe = fast & state.run_ids.keys()
        for pid in chunk_ids:
            if pid in seen:
                maybe.add(pid)
            seen.add(pid)
        current.update(rid for pid, rid in zip(chunk_ids, rev_ids) if pid in fast and pid not in maybe)
        fast = maybe
    if fast:
        register("chunk_fast", pa.table({"post_id": pa.array(sorted(fast), _STR)}))
        register("chunk_revisions", revs.select(_WINNER_COLS), once=True)
        # into an empty database the run knows the current row of each post it wrote (no update
        # re-derives a post): it is looked up by revision id rather than by a scan of post_revisions
        by_id = state is not None and not state.db_had_files
        if by_id:
            held = {pid: state.run_ids[pid] for pid in fast if pid in state.run_ids}
            by_id = -1 not in held.values()
        if by_id:
            register("chunk_current", pa.table({"revision_id": pa.array(list(held.values()), _INT)}))
            winners = queries.run(con, "ingest/chunk_winners",
                                  parts={"current_rows": "ingest/_current_rows_by_id"}).fetchall()
        else:
            winners = queries.run(con, "ingest/chunk_winners").fetchall()
        if winners:
            if by_id:
                retired = [held[w[0]] for w in winners if w[0] in held]
                if retired:
                    register("chunk_retired", pa.table({"revision_id": pa.array(retired, _INT)}))
                    queries.run(con, "ingest/retire_revisions")
            else:
                register("chunk_winners", pa.table({"post_id": pa.array([w[0] for w in winners], _STR),
                                                    "revision_id": pa.array([w[1] for w in winners], _INT)}))
                queries.run(con, "ingest/retire_current")
            current.update(w[1] for w in winners)
    return current


@contextmanager
def _registered(con):
    """``with _registered(con) as register:`` — ``register(name, table)`` makes an Arrow table
    a relation of ``con`` until the block ends (``register(name, table, once=True)``: for one query
    that reads it once, :func:`scanned_once`)."""
    names: list[str] = []

    def register(name: str, table: pa.Table, once: bool = False) -> None:
        con.register(name, scanned_once(table) if once else table)
        names.append(name)
    try:
        yield register
    finally:
        for name in dict.fromkeys(names):
            try:
                con.unregister(name)
            except Exception:
                pass


SETTINGS = ("COPYDESK_IMPORT_TX_BYTES", "COPYDESK_IMPORT_DEFER", "COPYDESK_IMPORT_THREADS")
_SIZES_CHECKED: list = []


def _size_settings() -> tuple[tuple[str, str, str, str], ...]:
    """The sizes an import connection is given: (setting, query, its parameter, value)."""
    return (("COPYDESK_IMPORT_MEMORY", "ingest/memory_limit", "limit", MEMORY_LIMIT),
            ("COPYDESK_IMPORT_CHECKPOINT", "ingest/checkpoint_threshold", "size", CHECKPOINT_THRESHOLD))


def _check_settings() -> None:
    """Raise :class:`~copydesk.errors.SettingError` for a ``COPYDESK_IMPORT_*`` setting that cannot be
    used, before the database is opened (the sizes are tried once on an in-memory database)."""
    settings.check(*SETTINGS)
    sizes = _size_settings()
    if sizes in _SIZES_CHECKED or not any(name in os.environ for name, *_rest in sizes):
        return                  # (the defaults: _open sets them, and a test tries them)
    import duckdb

    con = duckdb.connect()
    try:
        for name, query, param, value in sizes:
            try:
                queries.run(con, query, **{param: value})
            except duckdb.Error as exc:
                raise settings.size_error(name, value, exc) from None
    finally:
        con.close()
    _SIZES_CHECKED.append(sizes)


def _open(db):
    _check_settings()
    con = dbmod.open_db(db)
    for _name, query, param, value in _size_settings():
        queries.run(con, query, **{param: value})
    queries.run(con, "ingest/threads", threads=THREADS)
    return con


def _now() -> dt.datetime:
    return utc_now()


def import_paths(paths: list, db=None, *, batch_size: int = BATCH_SIZE, workers: int | None = None,
                 progress: Callable[[int], None] | None = None, yield_every: float = YIELD_EVERY,
                 source: str | None = None, items: Iterable[Item] | None = None,
                 after_import: bool = True, chunk_stages: bool | None = None, cluster=None) -> ImportSummary:
    """Import ``paths`` (files, folders, archives) into the database ``db``.

    Files are parsed in chunks of up to ``CHUNK_SIZE`` and written in transactions
    ("batches") of about ``batch_size`` files, or fewer when a batch has run for
    ``yield_every`` seconds (each ends at a clean cut: :func:`_clean_cut`); between two batches the connection is closed so that
    another process (the dashboard) can read.  ``progress(n)`` is called with the
    number of inputs done after each chunk.  ``items`` overrides the enumeration of
    ``paths`` (used for browser uploads).  ``after_import=False`` skips the after-import stages
    and, unless ``chunk_stages`` says otherwise, the each-chunk stages (``copydesk.hooks``).
    With ``cluster`` (a :class:`copydesk.cluster.Cluster`) the chunks are parsed on its workers
    into Parquet shards, written here the same way.
    """
    t0 = time.perf_counter()
    all_items = items if items is not None else iter_items(_distinct_roots(paths), runs=True)
    chunks = _chunks(all_items, min(batch_size, CHUNK_SIZE))
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    if cluster is not None:
        workers = 2 * max(1, cluster.workers)       # chunks in flight: two per worker
    run = _ImportRun(db, display_name(source or ", ".join(str(p) for p in paths)), batch_size=batch_size,
                     workers=workers, yield_every=yield_every, progress=progress, cluster=cluster,
                     stages=after_import if chunk_stages is None else chunk_stages, chunks=chunks)
    status, error = "failed", None
    try:
        for chunk in run.rest:
            run.submit(chunk)
        run.drain()
        status = "finished"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    except BaseException as exc:
        error = exc
        raise
    finally:
        expected = error is not None and _expected(error)
        try:
            run.close(status, after_import, _message(error))
        except ImportFailed:
            if error is None or expected:
                raise                # (a bug's own traceback wins over this)
        finally:
            run.summary.seconds = round(time.perf_counter() - t0, 3)
        if expected:
            raise ImportFailed(f"import failed (batch {run.batch_id} marked failed): {_message(error)}") from None
    return run.summary


# What a failed import reports as ``error: …`` (anything else is a bug and keeps its traceback):
# the database's own errors (disk full, out of memory, I/O), the lock lost between two
# batches, the file system, memory.
def _expected_errors() -> tuple[type[BaseException], ...]:
    import duckdb

    return (duckdb.Error, CopydeskError, OSError, MemoryError)


def _expected(exc: BaseException) -> bool:
    return isinstance(exc, _expected_errors())


def _message(exc: BaseException | None) -> str | None:
    if exc is None:
        return None
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:2000]


class _ImportRun:
    """One import: its connection and batch, the parser processes, the chunks they are
    parsing (in order) and the open transaction (the chunks written but not committed).

    :meth:`submit` hands a chunk to a parser process (or parses it here with one worker),
    :meth:`_write_next` writes the oldest parsed chunk into the open transaction,
    :meth:`_commit` commits it (and, when the connection has been open ``yield_every``
    seconds, reopens it so a reader gets in), :meth:`close` ends the run either way.

    Into a new database file the run takes its first chunks from ``chunks`` before it opens the
    database (:meth:`_hand_out_ahead`).
    """

    def __init__(self, db, label: str, *, batch_size: int, workers: int, yield_every: float,
                 progress: Callable[[int], None] | None, cluster=None, stages: bool = True,
                 chunks: Iterator[list] | None = None):
        self.db, self.batch_size, self.workers = db, batch_size, workers
        self.yield_every, self.progress = yield_every, progress
        self.imported_at = _now()
        # The each-chunk stages, registered before the parser processes are forked.  The parser
        # processes start first, before the database is opened: each loads what the stages need
        # (the syllable dictionary, hooks.warm_up) while this process sets the database up, rather
        # than in its first parse task (20k posts: 0.1-0.2 s of each parser process's time).
        self.chunk_stages = hooks.chunk_stages() if stages else {}
        # pyarrow imports pandas the first time it converts Python values (0.2 s): an import
        # makes no DataFrame, so it finds none (the parser processes inherit that).
        pyarrow_without_pandas()
        self.part_files = None            # a chunk is one task, but for the local parser processes
        self.pool, self.spill = None, None
        # per chunk: (its parts' parse results or futures, their first revision ids, the chunk's first
        # revision id, known files, number of inputs)
        self.pending: deque = deque()
        self.n_parts = 0
        self.failed_ahead: Exception | None = None        # (see _hand_out_ahead)
        if cluster is not None:
            self.pool = _DaskParsers(cluster)
        elif workers > 1:
            _check_settings()             # (a setting that cannot be used: nothing started)
            self.pool = hooks.fork_pool(workers, warm=bool(self.chunk_stages))
            self.part_files = PART_FILES
        # The each-chunk stages held back (DEFER_SHARE): parts parsed without them, as (spill file or
        # table, shift of the ids, rows, bytes); and the results of those handed to the parser processes.
        self.defer = bool(self.chunk_stages) and self.part_files is not None and DEFER_SHARE > 0
        ahead: list[list] = []
        try:
            if self.part_files:
                self.spill = _spill_dir()
                if chunks is not None and _new_file(db):
                    ahead = self._hand_out_ahead(chunks)
            self.con = _open(db)
            self.batch_id = queries.run(self.con, "ingest/start_batch", started_at=self.imported_at,
                                        source=label).fetchall()[0][0]
            self.summary = ImportSummary(batch_id=self.batch_id, source=label)
            next_rev = queries.run(self.con, "ingest/next_revision_id").fetchall()[0][0]
            n_revisions, n_posts = queries.run(self.con, "ingest/database_state").fetchall()[0]
            again: list[list] = []
            if ahead and (self.batch_id, next_rev) != (1, 1):      # another process made the file meanwhile
                again, ahead = ahead, []
                self._forget_ahead()
            self.revisions_before, self.first_rev = n_revisions, next_rev     # (1 when chunks went ahead)
            if not ahead:
                self.next_rev = next_rev
        except BaseException:
            if self.part_files:
                self.pool.terminate()
                self.pool.join()
                if self.spill:
                    shutil.rmtree(self.spill, ignore_errors=True)
            raise
        self.state = _RunState(db_had_files=n_revisions > 0, db_had_posts=n_posts > 0)
        self.opened = time.monotonic()
        self.held: deque = deque()
        self.held_rows = self.held_bytes = 0
        self.staged: deque = deque()
        self.done = 0
        # the chunks left for submit(): those handed out ahead and forgotten again, then the rest of ``chunks``
        self.rest = itertools.chain(again, _raising(self.failed_ahead) if self.failed_ahead else
                                    chunks if chunks is not None else ())
        # the open transaction: when it started, bytes of large pages, rows appended to post_revisions
        # and by each each-chunk stage (see _clean_cut)
        self.tx_open, self.tx_started, self.tx_bytes, self.tx_revisions = False, 0.0, 0, 0
        self.tx_stage_rows: Counter = Counter()
        # a COMMIT running in a thread: (the thread, what it raised, reopen after it), and the
        # connection the look-ups use meanwhile (see _commit)
        self.committing: tuple | None = None
        self.reader = None
        self.tx_chunks: list[tuple[dict, int, pa.Table | None]] = []   # (counts, files, rejected rows)

    def submit(self, chunk: list[Item]) -> None:
        """Parse one chunk (in parts, by the parser processes when there are several); writes the
        parsed chunks that are due so that at most ``workers`` are in flight.

        A part's revisions are numbered from the chunk's first revision id plus the inputs before
        it; :func:`_joined` renumbers them as one chunk (the ids do not depend on the parts)."""
        # (while a commit runs in its thread, through a second connection: it reads what is committed,
        # which is all a look-up needs, since a run never looks up the files it wrote itself)
        self._hand_out(chunk, _known(self.con if self.committing is None else self.reader, chunk, self.state))
        if self.committing is not None:
            if len(self.pending) < self.workers + COMMIT_AHEAD:
                return              # the parser processes parse, and this lists and looks up, while it commits
            self._finish_commit()
        while len(self.pending) > (self.workers if self.pool else 0) and self.committing is None:
            self._write_next()

    def _hand_out(self, chunk: list[Item | str], known: pa.Table) -> None:
        """Number the chunk's revisions, hand its parts to the parser processes (or parse them here)
        and queue it in ``pending``."""
        first = self.next_rev
        self.next_rev += len(chunk)
        parts = _parts(chunk, self.part_files or len(chunk))
        results, firsts = [], []
        for offset, items in parts:
            self.n_parts += 1
            spill_to = os.path.join(self.spill, f"part-{self.n_parts}.arrow") if self.spill else None
            part_known = known if len(parts) == 1 else \
                _known_of(known, offset, len(items))
            args = (part_known, self.batch_id, first + offset, self.imported_at, spill_to,
                    bool(self.chunk_stages) and not self.defer)
            results.append(self.pool.apply_async(_process_packed, (_pack(items), *args)) if self.pool
                           else _parse_chunk(items, *args))
            firsts.append(first + offset)
        self.pending.append((results, firsts, first, known, len(chunk)))

    def _hand_out_ahead(self, chunks: Iterator[list]) -> list[list]:
        """Into a new database file, before it is opened: hand the first chunks, a whole chunk's worth of
        files (``CHUNK_SIZE``: the first four chunks of :func:`_chunks`' ramp), to the parser processes as
        what they will be, the first batch's, numbered from revision 1, with nothing known.  The parser
        processes parse them while this process loads DuckDB and creates the database (~0.2 s), where
        they would wait for their first chunk (20k posts, 20 alternated rounds: wall ratio ~0.95).
        The chunks handed out (the caller checks the database when it is open).

        Should listing the inputs (or handing them out) fail meanwhile, what it raised is raised again
        where the run takes the rest (:attr:`rest`), once the database is open: the batch is then
        recorded as failed, as it is when that happens later."""
        self.batch_id, self.next_rev = 1, 1
        ahead = []
        try:
            for chunk in chunks:
                ahead.append(chunk)
                self._hand_out(chunk, _NOTHING_KNOWN)
                if self.next_rev > min(self.batch_size, CHUNK_SIZE):
                    break
        except Exception as exc:                    # noqa: BLE001 - raised again by self.rest
            self.failed_ahead = exc
        return ahead

    def _forget_ahead(self) -> None:
        """The database was not new when opened: the chunks handed out ahead are parsed for nothing.
        Wait for them, and remove what they spilled."""
        for results, *_rest in self.pending:
            for result in results:
                result.wait()
        self.pending.clear()
        shutil.rmtree(self.spill, ignore_errors=True)
        self.spill = _spill_dir()

    def drain(self) -> None:
        """Write every chunk still being parsed, and commit."""
        import duckdb

        while self.pending:
            self._write_next()
        self._finish_commit()
        if self.tx_open:
            self._commit(last=True)
        try:
            self._store_staged()
        except duckdb.Error:            # derived data: the after-import stage computes what is missing
            try:
                self.con.execute("ROLLBACK")
            except duckdb.Error:
                pass

    def _write_next(self) -> None:
        self._finish_commit()
        results, firsts, first, known, n = self.pending.popleft()
        deferred = [] if self.defer else None
        revs, ledger, counts, extras = _joined([r.get() if self.pool else r for r in results], firsts, first,
                                               deferred)
        if not self.tx_open:
            self.con.execute("BEGIN TRANSACTION")
            self.tx_open, self.tx_started, self.tx_bytes, self.tx_revisions = True, time.monotonic(), 0, 0
            self.tx_stage_rows = Counter()
        _write_chunk(self.con, revs, ledger, known, self.state)
        self.tx_stage_rows.update(hooks.store_each_chunk(self.con, extras, self.chunk_stages))
        self._store_staged(ready_only=True)
        self.tx_chunks.append((counts, ledger.num_rows, ledger.select(["source_file", "outcome", "message"])
                               if counts["rejected"] else None))
        self.done += n
        if self.progress:
            self.progress(self.done)
        if revs.num_rows and revs.nbytes > LARGE_REVISION * revs.num_rows:
            self.tx_bytes += revs.nbytes            # large pages: DuckDB's COMMIT holds them several times
        batch_files = sum(files for _counts, files, _ledger in self.tx_chunks)
        self.tx_revisions += revs.num_rows
        self._hold(deferred or (), DEFER_SHARE * min(batch_files, self.batch_size))
        elapsed = time.monotonic() - self.tx_started
        due = batch_files >= self.batch_size or (self.yield_every and elapsed > self.yield_every)
        overdue = batch_files >= 2 * self.batch_size or (self.yield_every and elapsed > 2 * self.yield_every)
        if (self.tx_bytes >= TX_BYTES or overdue
                or (due and _clean_cut(batch_files, self.tx_revisions, *self.tx_stage_rows.values()))):
            if self.pool is None:
                self._commit()
            elif self.pending:
                self._commit(background=True)
            # (else the import's last chunk: drain() makes the last commit)

    def _commit(self, last: bool = False, background: bool = False) -> None:
        """Commit the open transaction; reopen the connection when it has been open ``yield_every``.

        ``background``: the COMMIT runs in a thread (DuckDB works without the GIL) while this one lists
        the next chunks, looks them up through a second connection (``reader``) and hands them to the
        parser processes; :meth:`_finish_commit` waits for it before the next chunk is written (1M
        unchanged files: 8 commits of 131,072 ledger rows, 0.3-0.8 s each).

        The last commit, and one before the connection closes, checkpoints (threshold 0): DuckDB
        then writes the transaction to the database file at once, where it would log it in the WAL
        and write it again at the checkpoint of the close (20k posts: 73 MB of WAL, ~0.3 s; 300k posts,
        a batch every 15 s: commit and close 3.6-4.8 s a batch before, 2.1-4.1 s after)."""
        self._finish_commit()
        reopen = bool(self.yield_every) and time.monotonic() - self.opened > self.yield_every
        if last or reopen:
            queries.run(self.con, "ingest/checkpoint_threshold", size="0B")
        self._hold((), 0)                   # the parser processes run the held-back stages while this commits
        # the batch's counts, once for the transaction's chunks (an UPDATE per chunk: 1M files, 1 s)
        totals = {k: sum(counts[k] for counts, _files, _ledger in self.tx_chunks) for k in (*OUTCOMES, "warnings")}
        queries.run(self.con, "ingest/count_batch", batch_id=self.batch_id,
                    files_seen=sum(files for _counts, files, _ledger in self.tx_chunks), **totals)
        if background:
            self.reader = self.con.cursor()
            queries.run(self.reader, "schema/session_settings")
            failed: list[BaseException] = []
            thread = threading.Thread(target=_commit_in, args=(self.con, failed), name="copydesk-commit", daemon=True)
            thread.start()
            self.committing = (thread, failed, reopen)
            return
        self.con.execute("COMMIT")
        if last:    # (each later commit, after-import stages' included, would checkpoint the whole database again)
            queries.run(self.con, "ingest/checkpoint_threshold", size=CHECKPOINT_THRESHOLD)
        self._committed(reopen)

    def _finish_commit(self) -> None:
        """Wait for the commit running in its thread, if any; raise what it raised."""
        if self.committing is None:
            return
        thread, failed, reopen = self.committing
        thread.join()
        self.committing = None
        self.reader.close()
        self.reader = None
        if failed:
            raise failed[0]
        self._committed(reopen)

    def _committed(self, reopen: bool) -> None:
        self.tx_open = False
        for counts, files, ledger in self.tx_chunks:      # the summary counts what is committed
            self._count(counts, files, ledger)
        self.tx_chunks = []
        if reopen:
            self.con.close()      # let a reader in between two batches
            self.con = _open(self.db)
            self.opened = time.monotonic()

    def _hold(self, parts, most: float) -> None:
        """Hold back the each-chunk stages of ``parts`` (from :func:`_joined`); hand the oldest held
        to the parser processes while more than ``most`` rows (or ``DEFER_BYTES``) are held, in tasks
        of at least :data:`STAGE_ROWS` rows, or all of them as one task when ``most`` is 0 (a commit:
        one parser process runs them on the core the commit leaves free, the other stays off the
        commit's core)."""
        for part in parts:
            self.held.append(part)
            self.held_rows += part[2]
            self.held_bytes += part[3]
        tasks: list[list[tuple]] = []
        task_rows = 0
        while self.held and (self.held_rows > most or self.held_bytes > DEFER_BYTES):
            revs, shift, rows, nbytes = self.held.popleft()
            self.held_rows -= rows
            self.held_bytes -= nbytes
            if not tasks or (most and task_rows >= STAGE_ROWS):
                tasks.append([])
                task_rows = 0
            tasks[-1].append((revs, shift))
            task_rows += rows
        for parts in tasks:
            self.staged.append(self.pool.apply_async(_stages_of, (parts,)))

    def _store_staged(self, ready_only: bool = False) -> None:
        """Store the results of the held-back stages that the parser processes have finished (all of
        them, waiting, unless ``ready_only``; outside a transaction, in one of their own).  A stage
        that failed stores nothing: the after-import stages make up for it (the quality signals of
        a current post without any are computed there)."""
        if not ready_only:
            self._hold((), 0)
        if not self.staged or (ready_only and not self.staged[0].ready()):
            return
        own = not self.tx_open
        if own:
            self.con.execute("BEGIN TRANSACTION")
        results: dict[str, list] = {}
        while self.staged and (not ready_only or self.staged[0].ready()):
            try:
                extras = self.staged.popleft().get()
            except Exception:               # noqa: BLE001 - see above
                continue
            for name, r in extras.items():
                if r is not None:
                    results.setdefault(name, []).append(r)
        rows = hooks.store_each_chunk(self.con, {name: _concatenated(r) for name, r in results.items()},
                                      self.chunk_stages)
        if own:
            self.con.execute("COMMIT")
        else:
            self.tx_stage_rows.update(rows)

    def _count(self, counts: dict, files: int, ledger: pa.Table | None) -> None:
        summary = self.summary
        for k in (*OUTCOMES, "warnings"):
            setattr(summary, k, getattr(summary, k) + counts[k])
        summary.files_seen += files
        if ledger is not None and len(summary.rejects) < 20:
            for src, outcome, msg in zip(ledger.column("source_file").to_pylist(),
                                         ledger.column("outcome").to_pylist(),
                                         ledger.column("message").to_pylist()):
                if outcome == "rejected" and len(summary.rejects) < 20:
                    summary.rejects.append({"source_file": src, "reason": msg})

    def close(self, status: str, after_import: bool, message: str | None = None) -> None:
        """End the run: roll back an open transaction, stop the parsers, record the batch's
        status (and ``message``, what failed) and, when it finished, run the after-import stages.

        After a failed commit the connection may be unusable (DuckDB invalidates it, or it was
        closed and could not be reopened): the status is then recorded through a fresh
        connection; when even that fails, :class:`ImportFailed` says so."""
        if self.committing is not None:         # (an import that failed, or was interrupted, meanwhile)
            try:
                self._finish_commit()
            except Exception:                   # noqa: BLE001 - the run has failed already
                pass
        finished = status == "finished"
        if self.pool:
            if finished:        # (joined at the end: the parser processes exit while this one finishes the batch)
                self.pool.close()
            else:
                self.pool.terminate()
                self.pool.join()
            if self.spill:
                shutil.rmtree(self.spill, ignore_errors=True)
        try:
            self._end_batch(status, after_import, message)
        finally:
            if self.pool and finished:
                self.pool.join()

    def _end_batch(self, status: str, after_import: bool, message: str | None) -> None:
        """:meth:`close` once the parsers are stopped: the open transaction rolled back, the batch's
        status recorded, the after-import stages, the summary's post counts, the connection closed."""
        import duckdb

        if self.tx_open:
            self.tx_open = False
            try:
                self.con.execute("ROLLBACK")
            except duckdb.Error:
                pass                    # a failed COMMIT has ended the transaction already
        self.summary.status = status
        args = {"batch_id": self.batch_id, "status": status, "message": message}
        try:
            queries.run(self.con, "ingest/finish_batch", finished_at=_now(), **args)
        except duckdb.Error:
            self._reopen_after_failure(args)
        con = self.con
        if status == "finished" and after_import:
            self._after_import(con)
        self.summary.posts_total = queries.run(con, "ingest/batch_summary", batch_id=self.batch_id).fetchall()[0][-1]
        self.summary.posts_new, self.summary.posts_replaced = \
            queries.run(con, "ingest/post_outcomes", batch_id=self.batch_id).fetchone()
        con.close()

    def _after_import(self, con) -> None:
        """The after-import stages; one that fails (out of memory, disk full) leaves the imported
        batch as it is, its message on the batch, and ends the import with :class:`ImportFailed`."""
        import duckdb

        try:
            # A database of less than a row group of revisions has every table in one row group, which
            # DuckDB reads on one thread: the connection keeps its one thread there (relaunching more
            # takes 12-15 ms right after a large commit, and the small queries run slower on two:
            # after-import stages of 20k posts ~0.35 -> ~0.30 s, of 100k posts ~1.1 -> ~0.9 s; of 1M
            # posts 5.0 s on two threads, 9.7 s on one).  (``next_rev - first_rev``: the ids handed
            # out, at least the revisions written.)
            if self.revisions_before + self.next_rev - self.first_rev >= ROW_GROUP_ROWS:
                queries.run(con, "ingest/reset_threads")
            hooks.run_after_import(con, self.batch_id)
        except _expected_errors() as exc:
            message = f"imported, but an after-import stage failed: {_message(exc)}"
            try:
                queries.run(con, "ingest/finish_batch", finished_at=_now(), batch_id=self.batch_id,
                            status="finished", message=message)
                con.close()
            except duckdb.Error:
                pass
            raise ImportFailed(f"batch {self.batch_id} {message}") from None

    def _reopen_after_failure(self, args: dict) -> None:
        import duckdb

        try:
            self.con.close()
        except duckdb.Error:
            pass
        try:
            self.con = _open(self.db)
            queries.run(self.con, "ingest/finish_batch", finished_at=_now(), **args)
        except (duckdb.Error, CopydeskError) as exc:
            raise ImportFailed(f"import failed (batch {self.batch_id} could not be marked {args['status']}: "
                               f"{_message(exc)}): {args['message']}") from None


def _clean_cut(*rows: int) -> bool:
    """Whether a transaction that appends these numbers of rows (one per table) may end here: for
    each table, fewer than a row group (DuckDB appends them to the table's last row group), or a
    whole number of row groups and a last one at least half full (see :data:`ROW_GROUP_ROWS`)."""
    return all(n < ROW_GROUP_ROWS or n % ROW_GROUP_ROWS == 0 or n % ROW_GROUP_ROWS >= ROW_GROUP_ROWS // 2
               for n in rows)


def _commit_in(con, failed: list) -> None:
    """A thread: COMMIT on ``con``; what it raises is appended to ``failed``."""
    try:
        con.execute("COMMIT")
    except BaseException as exc:        # noqa: BLE001 - raised again by _finish_commit
        failed.append(exc)


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
