"""Per-revision signals for a chunk of revisions: Arrow in, Arrow out, then stored.

:func:`table` is pure (no database): it takes the ``revision_id``, ``body`` and
``checklist`` columns of a chunk of revisions and returns their ``quality_signals`` rows.
The parser processes call it on every chunk they have just parsed (the each-chunk stage
:func:`chunk_signals`, which also reports the text of the chunk's prose sentences new to the
process); the after-import stage calls it for the current revisions that still have no
signals (:func:`compute_missing`)."""

from __future__ import annotations

import os
from collections import deque
from itertools import accumulate, chain

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import hooks, queries
from ..arrays import scanned_once
from . import batch, fast, text
from .text import Signals, safe_analyse

SCHEMA = pa.schema([
    ("revision_id", pa.int64()),
    ("word_count", pa.int32()), ("sentence_count", pa.int32()), ("paragraph_count", pa.int32()),
    ("heading_count", pa.int32()), ("list_item_count", pa.int32()),
    ("avg_sentence_words", pa.float64()), ("long_sentence_share", pa.float64()),
    ("flesch_reading_ease", pa.float64()), ("longest_paragraph_words", pa.int32()),
    ("checklist_missing", pa.list_(pa.string())), ("checklist_extra", pa.list_(pa.string())),
    ("sentence_hashes", pa.list_(pa.uint64())), ("distinct_sentences", pa.int32()),
])
# The stored row is text.Signals plus distinct_sentences, its sentence_hashes distinct first
# (:func:`distinct_first`): the corpus counts read each post's distinct sentences as a slice.
assert SCHEMA.names[1:-1] == list(Signals._fields), "quality_signals columns follow text.Signals"

SLICE_ROWS = 4096          # revisions analysed per step of compute_missing (bounded memory)
PARALLEL_FROM = 20_000     # fewer missing revisions than this are analysed in this process


MAX_BODY_CHARS = 16_000_000   # a longer body is not analysed (signals 0 / NULL): memory stays bounded
SLICE_CHARS = 8_000_000       # bodies analysed together at most (a longer one alone): more text, more repeats read once


def table(revisions: pa.Table | pa.RecordBatch) -> pa.Table:
    """``quality_signals`` rows for ``revisions`` (columns ``revision_id``, ``body``, ``checklist``).

    The chunk is analysed in slices of about :data:`SLICE_CHARS` characters of text
    (:mod:`copydesk.quality.batch`; the intermediate arrays of a slice are a few times its text);
    a body over :data:`MAX_BODY_CHARS` is not analysed.  Should a slice fail on some input, each of
    its revisions is analysed on its own (:func:`copydesk.quality.text.safe_analyse`, which never
    raises): a signal never fails an import."""
    return _table(revisions)


def _table(revisions: pa.Table | pa.RecordBatch, sentences: list | None = None) -> pa.Table:
    """:func:`table`; with a list ``sentences``, each slice also appends its distinct prose
    sentences to it as (hashes, texts) (:meth:`copydesk.quality.batch.Chunk.distinct_sentences`)."""
    if not revisions.num_rows:
        return SCHEMA.empty_table()
    if isinstance(revisions, pa.RecordBatch):
        revisions = pa.Table.from_batches([revisions])
    lengths = pc.fill_null(pc.utf8_length(revisions.column("body")), 0).to_numpy(zero_copy_only=False)
    if lengths.sum() <= SLICE_CHARS and lengths.max() <= MAX_BODY_CHARS:      # (a parse part: one slice)
        return _slice(revisions, sentences)
    lengths = lengths.tolist()
    parts, start, size = [], 0, 0
    for i, n in enumerate(lengths):
        if i > start and (size + n > SLICE_CHARS or n > MAX_BODY_CHARS or lengths[i - 1] > MAX_BODY_CHARS):
            parts.append(_slice(revisions.slice(start, i - start), sentences))
            start, size = i, 0
        size += n
    parts.append(_slice(revisions.slice(start), sentences))
    return pa.concat_tables(parts) if len(parts) > 1 else parts[0]


def _slice(revisions: pa.Table, sentences: list | None) -> pa.Table:
    ids = revisions.column("revision_id").cast(pa.int64())
    if revisions.num_rows == 1 and (pc.utf8_length(revisions.column("body"))[0].as_py() or 0) > MAX_BODY_CHARS:
        return _one_by_one(ids, [None], [None])            # too long to analyse: zeros and NULLs
    try:
        chunk = fast.chunk(revisions.column("body"), revisions.column("checklist"), report=sentences is not None)
        columns = batch.chunk_columns(chunk)
        if sentences is not None:
            sentences.append((*chunk.distinct_sentences(), chunk.lowered))
    except Exception:                                     # noqa: BLE001 - see table()
        return _one_by_one(ids, revisions.column("body").to_pylist(), revisions.column("checklist").to_pylist())
    ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    return pa.Table.from_arrays([ids, *(columns[name] for name in SCHEMA.names[1:])], schema=SCHEMA)


def distinct_first(lists: pa.ListArray) -> tuple[pa.ListArray, pa.Array]:
    """Each list of sentence hashes with its distinct hashes first (in the order they first occur),
    then its repeats (in order); and how many are distinct.  ``list_slice(sentence_hashes, 1,
    distinct_sentences)`` is then a post's distinct sentences, which DuckDB's ``list_distinct``
    took 0.18 s to find at 100k posts.  (A chunk analysed by :mod:`.batch` gets the same from its own
    numbering of the sentences, :meth:`~copydesk.quality.batch.Chunk.hashes_distinct_first`.)"""
    offsets = lists.offsets.to_numpy()
    offsets = offsets - offsets[0]
    values = lists.flatten().to_numpy()
    rows = np.repeat(np.arange(len(lists), dtype=np.int64), np.diff(offsets))
    order = np.lexsort((values, rows))              # by post, then hash; stable: a repeat after the first
    ordered, ordered_rows = values[order], rows[order]
    first = np.ones(len(values), dtype=bool)
    first[1:] = (ordered[1:] != ordered[:-1]) | (ordered_rows[1:] != ordered_rows[:-1])
    repeat = np.empty(len(values), dtype=bool)
    repeat[order] = ~first
    distinct = np.bincount(rows[~repeat], minlength=len(lists)).astype(np.int32)
    if repeat.any():
        values = values[np.argsort(rows * 2 + repeat, kind="stable")]
    return (pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(values, pa.uint64())),
            pa.array(distinct, pa.int32()))


def _one_by_one(ids, bodies: list, checklists: list) -> pa.Table:
    rows = list(map(safe_analyse, bodies, checklists))
    columns = dict(zip(Signals._fields, zip(*rows)))
    hashes = columns.pop("sentence_hashes")
    arrays = {"revision_id": ids}
    for f in SCHEMA:
        if f.name in columns:
            arrays[f.name] = pa.array(columns[f.name], f.type)
    # the hash lists as one flat array and offsets: several times faster than nested sequences
    offsets = [0]
    offsets += accumulate(map(len, hashes))
    arrays["sentence_hashes"], arrays["distinct_sentences"] = distinct_first(pa.ListArray.from_arrays(
        pa.array(offsets, pa.int32()), pa.array(list(chain.from_iterable(hashes)), pa.uint64())))
    return pa.Table.from_arrays([arrays[name] for name in SCHEMA.names], schema=SCHEMA)


TEXTS_SCHEMA = pa.schema([("sentence_hash", pa.uint64()), ("sentence", pa.string())])
# The sentence hashes whose text this process has reported (:func:`chunk_signals`), forgotten
# when there are more than _REPORTED_MOST (memory stays bounded; a sentence reported again is harmless).
_REPORTED: set[int] = set()
_REPORTED_MOST = 2_000_000


def _new_texts(found: list[tuple]) -> pa.Table:
    """The (hash, normalised text) of the sentences of ``found`` that this process has not reported
    yet; ``found``: (hashes, texts, whether the texts are lower-cased already) of each slice."""
    tables = [TEXTS_SCHEMA.empty_table()]
    for slice_hashes, slice_texts, lowered in found:
        values = slice_hashes.tolist()
        fresh = set(values).difference(_REPORTED)
        if not fresh:
            continue
        # the first position of each fresh hash, in order (texts differing in case only share a
        # hash: one report); built by C-level dict and set operations, not a loop over every value
        first = dict(zip(reversed(values), range(len(values) - 1, -1, -1)))
        new = sorted(first[h] for h in fresh)
        picked = [values[i] for i in new]
        if len(_REPORTED) + len(new) > _REPORTED_MOST:
            _REPORTED.clear()
            fast.forget()           # (its table reports a sentence once: now again)
        _REPORTED.update(picked)
        taken = pc.take(slice_texts, pa.array(new, pa.int64()))
        if not lowered:             # (batch's; FastChunk's are lower-cased in C, and stay in Arrow)
            taken = pa.array([t.lower() for t in taken.to_pylist()], pa.string())
        tables.append(pa.Table.from_arrays([pa.array(picked, pa.uint64()), taken.cast(pa.string())],
                                           schema=TEXTS_SCHEMA))
    return pa.concat_tables(tables)


def store_signals(con, signals: pa.Table) -> int:
    """Append ``signals`` (rows of :func:`table`) to ``quality_signals`` (registered read once:
    :func:`copydesk.arrays.scanned_once`); the number of rows."""
    if not signals.num_rows:
        return 0
    con.register("quality_chunk", scanned_once(signals))
    try:
        queries.run(con, "quality/insert_signals")
    finally:
        con.unregister("quality_chunk")
    return signals.num_rows


# The sentence texts the parser processes reported (:func:`chunk_signals`), kept in this process
# until the next quality computation takes them (:func:`take_pending_texts`); forgotten beyond
# _PENDING_MOST rows (the computation then splits example bodies again).
_PENDING: list[pa.Table] = []
_PENDING_MOST = 4_000_000


def store(con, result: tuple[pa.Table, pa.Table]) -> int:
    """Store a result of :func:`chunk_signals`: the signals in ``quality_signals`` (the number of
    rows is returned); the sentence texts are kept in memory for the after-import stage
    (:func:`take_pending_texts`)."""
    signals, texts = result
    rows = store_signals(con, signals)
    if texts.num_rows:
        if sum(t.num_rows for t in _PENDING) + texts.num_rows > _PENDING_MOST:
            _PENDING.clear()
        _PENDING.append(texts)
    return rows


def take_pending_texts() -> pa.Table:
    """The (hash, normalised text) pairs reported since the last call (repeats possible), forgotten here."""
    tables = [TEXTS_SCHEMA.empty_table(), *_PENDING]
    _PENDING.clear()
    return pa.concat_tables(tables)


@hooks.each_chunk("quality_signals", store, warm=text.warm_up)
def chunk_signals(revisions: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Each-chunk stage: the signals of the revisions a parser process has just parsed, and the
    normalised text of their prose sentences that this process has not reported before.  The
    after-import stage takes the text of a new template sentence from these
    (:func:`take_pending_texts`) instead of splitting an example post again."""
    found: list = []
    signals = _table(revisions.select(["revision_id", "body", "checklist"]), found)
    return signals, _new_texts(found)


def compute_missing(con, rows: int = SLICE_ROWS, workers: int | None = None) -> int:
    """Compute and store the signals of every current revision that has none; returns how many.

    The revisions are streamed from a second cursor ``rows`` at a time and analysed by ``workers``
    processes (default: one per core, up to 2; in this process when there are few), at most two
    slices in flight per worker, so memory does not grow with the corpus.  Each slice is stored
    in its own transaction: signals of a revision never change, so an interrupted run is simply
    continued by the next."""
    missing = int(queries.statement("quality/missing_count").scalar(con))
    if not missing:
        return 0
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    pool = None
    if workers > 1 and missing >= PARALLEL_FROM:
        text.warm_up()                   # load the syllable dictionary once, shared by the forked workers
        pool = hooks.fork_pool(workers)
    done = 0
    reader_con = con.cursor()
    try:
        pending: deque = deque()
        for batch in queries.statement("quality/missing_signals").reader(reader_con, rows):
            if pool is None:
                store_signals(con, table(batch))
                done += batch.num_rows
                continue
            pending.append(pool.apply_async(table, (batch,)))
            while len(pending) > 2 * workers:
                result = pending.popleft().get()
                store_signals(con, result)
                done += result.num_rows
        while pending:
            result = pending.popleft().get()
            store_signals(con, result)
            done += result.num_rows
    finally:
        reader_con.close()
        if pool is not None:
            pool.terminate()
            pool.join()
    return done
