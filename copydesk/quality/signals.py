"""Per-revision signals for a chunk of revisions: Arrow in, Arrow out, then stored.

:func:`table` is pure (no database): it takes the ``revision_id``, ``body`` and
``checklist`` columns of a chunk of revisions and returns their ``quality_signals`` rows.
It is what the after-import stage calls today for the current revisions that have no
signals yet (:func:`compute_missing`), and what a parser worker can call on the chunk it
has just parsed (``copydesk.importer._process_chunk``) once the importer carries the
result to :func:`store`.
"""

from __future__ import annotations

import pyarrow as pa

from .. import queries
from .text import Signals, safe_analyse

SCHEMA = pa.schema([
    ("revision_id", pa.int64()),
    ("word_count", pa.int32()), ("sentence_count", pa.int32()), ("paragraph_count", pa.int32()),
    ("heading_count", pa.int32()), ("list_item_count", pa.int32()),
    ("avg_sentence_words", pa.float64()), ("long_sentence_share", pa.float64()),
    ("flesch_reading_ease", pa.float64()), ("longest_paragraph_words", pa.int32()),
    ("checklist_missing", pa.list_(pa.string())), ("checklist_extra", pa.list_(pa.string())),
    ("sentence_hashes", pa.list_(pa.int64())),
])
assert SCHEMA.names[1:] == list(Signals._fields), "quality_signals columns follow text.Signals"

SLICE_ROWS = 4096          # revisions analysed per step of compute_missing (bounded memory)


def table(revisions: pa.Table | pa.RecordBatch) -> pa.Table:
    """``quality_signals`` rows for ``revisions`` (columns ``revision_id``, ``body``, ``checklist``)."""
    ids = revisions.column("revision_id")
    bodies = revisions.column("body").to_pylist()
    checklists = revisions.column("checklist").to_pylist()
    rows = list(map(safe_analyse, bodies, checklists))
    if not rows:
        return SCHEMA.empty_table()
    columns = list(zip(*rows))
    arrays = [ids.cast(pa.int64())]
    arrays += [pa.array(col, f.type) for col, f in zip(columns, list(SCHEMA)[1:])]
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


def store(con, signals: pa.Table) -> None:
    """Append ``signals`` (rows of :func:`table`) to ``quality_signals``."""
    if not signals.num_rows:
        return
    con.register("quality_chunk", signals)
    try:
        queries.run(con, "quality/insert_signals")
    finally:
        con.unregister("quality_chunk")


def compute_missing(con, rows: int = SLICE_ROWS) -> int:
    """Compute and store the signals of every current revision that has none; returns how many.

    The revisions are streamed from a second cursor ``rows`` at a time, so memory does not grow
    with the corpus; each slice is stored in its own transaction (signals of a revision never
    change, so a half-done run is simply continued by the next)."""
    done = 0
    reader_con = con.cursor()
    try:
        reader = queries.statement("quality/missing_signals").reader(reader_con, rows)
        for batch in reader:
            store(con, table(batch))
            done += batch.num_rows
    finally:
        reader_con.close()
    return done
