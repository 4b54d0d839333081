"""numpy and Arrow helpers shared by modules that do not import each other (the importer, the quality kernels)."""

from __future__ import annotations

import importlib.abc
import sys

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


class _Refuse(importlib.abc.MetaPathFinder):
    """Finder: ``import pandas`` fails (for the one conversion :func:`pyarrow_without_pandas` makes)."""

    def find_spec(self, name, path=None, target=None):
        if name == "pandas":
            raise ImportError("pandas is not imported by this process yet (copydesk.arrays.pyarrow_without_pandas)")
        return None


class _Rearm(importlib.abc.Loader):
    """pandas' own loader, which then tells pyarrow that pandas is there (see :class:`_WatchPandas`)."""

    def __init__(self, loader, watch):
        self.loader, self.watch = loader, watch

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        self.loader.exec_module(module)
        if self.watch in sys.meta_path:
            sys.meta_path.remove(self.watch)
        # pyarrow's public pandas entry points import pandas again when it found none before, and
        # then use it everywhere (pa.array of a Series included): an empty conversion does that.
        pa.Table.from_pandas(module.DataFrame())

    def __getattr__(self, name):
        return getattr(self.loader, name)


class _WatchPandas(importlib.abc.MetaPathFinder):
    """Finder: pandas, when the process imports it after :func:`pyarrow_without_pandas`, is found by
    the other finders and loaded by its own loader, then pyarrow is told (:class:`_Rearm`), and this
    finder leaves ``sys.meta_path``."""

    def find_spec(self, name, path=None, target=None):
        if name != "pandas":
            return None
        for finder in list(sys.meta_path):
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Rearm(spec.loader, self)
                return spec
        return None


def pyarrow_without_pandas() -> None:
    """Have pyarrow work without pandas in a process that has not imported pandas (``copydesk import``).

    pyarrow imports pandas the first time it converts Python or numpy values (``pa.array``,
    ``Schema.empty_table``), to recognise pandas objects: 0.2 s of an import that never makes a
    DataFrame (20k posts: 2.6 s in all; issue 13), and 0.12 s more at exit where the interpreter
    tears down (the ``copydesk`` command skips that).  Here that first attempt
    finds no pandas, and pyarrow remembers that (``pyarrow.lib._PandasAPIShim``); a process forked
    after this (the parser processes) inherits it.  Should the process import pandas later, it is
    loaded as usual and pyarrow is told at once (:class:`_WatchPandas`), so pandas objects convert as
    before.  Nothing happens when pandas is imported already or pyarrow has looked for it."""
    if "pandas" in sys.modules or any(isinstance(f, _WatchPandas) for f in sys.meta_path):
        return
    refuse = _Refuse()
    sys.meta_path.insert(0, refuse)
    try:
        pa.array([0])
    finally:
        sys.meta_path.remove(refuse)
    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _WatchPandas())
