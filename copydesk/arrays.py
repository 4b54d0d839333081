"""numpy and Arrow helpers shared by modules that do not import each other (the importer, the quality kernels)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def offsets(lengths: np.ndarray, dtype=np.int64) -> np.ndarray:
    """Arrow offsets of consecutive pieces of ``lengths``: 0, then their running sum (one more entry)."""
    out = np.zeros(len(lengths) + 1, dtype)
    np.cumsum(lengths, out=out[1:])
    return out


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of ``range(s, s + k)`` for each (s, k) of ``starts`` and ``lengths`` (int64)."""
    total = int(lengths.sum()) if len(lengths) else 0
    if not total:
        return np.zeros(0, np.int64)
    out_start = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) - np.repeat(out_start - starts, lengths)


def scanned_once(table: pa.Table) -> pa.RecordBatchReader:
    """``table`` to register on a DuckDB connection for one query that reads it once (an ``INSERT
    ... SELECT * FROM name``): DuckDB keeps a registered *table* alive until the transaction ends, so
    the chunks an import writes (memory-mapped from a parser process's file) would stay in memory
    until the COMMIT beside DuckDB's own copy (100k posts: 255 MB more at the peak); a reader it has
    read it lets go at once."""
    return pa.RecordBatchReader.from_batches(table.schema, table.to_batches())
