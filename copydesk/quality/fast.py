"""The quality signals of a chunk of bodies, computed in C (``copydesk/_fastsignals.c``).

:class:`FastChunk` gives what :class:`copydesk.quality.batch.Chunk` gives (the definitions are the
same: README "Quality signals"), by another route: one C pass a body cuts it into blocks, lines, list
items, headings and sentence pieces, and looks each piece's collapsed text up in a table the process
keeps between chunks.  A templated corpus repeats its sentences (six in seven of a synthetic chunk's):
a sentence's words and syllables (from a second table, of its tokens' ``text._token_value``) and its
hash are worked out the first time the process meets it.  The per-post figures, each post's sentence
hashes (distinct ones first) and the list items come back as buffers; the checklist comparison and
the averages are batch's own code over them.

A body with whitespace other than " " and "\\n" (1 % of the synthetic corpus: tabs, carriage
returns, no-break spaces) is first prepared as :func:`batch._prepared` prepares it.  Without the
extension (no C compiler at install) :func:`chunk` gives batch's ``Chunk``.
"""

from __future__ import annotations

import os
import threading

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import batch, text

try:
    from .. import _fastsignals as _c
except ImportError:             # (built by ``make install``; without it, batch reads every body)
    _c = None

# The tables are emptied when they hold more than this many sentences or bytes of text (sentences and
# tokens): memory stays bounded on a corpus that does not repeat itself.
TABLE_MOST = 400_000
TABLE_BYTES = 64 << 20
# The tables are the process's: one chunk at a time (the C calls back into Python, where another
# thread could otherwise start a chunk of its own halfway through).
_LOCK = threading.Lock()
_CMU: list = []             # the CMU syllable table handed to the C (which values ASCII tokens with it)


def _after_fork_in_child() -> None:
    """A process forked while another thread was computing a chunk (the dashboard's server runs
    imports in threads, and an import forks its parser processes) holds the lock forever and
    tables halfway through a change: it starts with a new lock and empty tables."""
    global _LOCK
    if _LOCK.locked():
        _LOCK = threading.Lock()
        if _c is not None:
            _c.reset()


os.register_at_fork(after_in_child=_after_fork_in_child)


def available() -> bool:
    return _c is not None


def chunk(bodies, checklists=None, report: bool = False) -> batch.Chunk:
    """The signals of a chunk of bodies: a :class:`FastChunk` where the extension is built, else
    :class:`~copydesk.quality.batch.Chunk`.  ``report``: see :meth:`FastChunk.distinct_sentences`."""
    return FastChunk(bodies, checklists, report) if _c is not None else batch.Chunk(bodies, checklists)


def forget() -> None:
    """Empty this process's tables (what :func:`copydesk.quality.signals.chunk_signals` has
    reported goes with them: it is reported again)."""
    if _c is not None:
        with _LOCK:
            _c.reset()


def _values_of(tokens: list[str]) -> list[int]:
    """``text._token_value`` of each token (new to this process's table), looked up together."""
    text.prime(tokens)
    return list(map(text._token_value, tokens))


def _hash_of(sentence: str) -> int:
    return text.sentence_hash(sentence.lower())


def _strings(offsets: bytes, data: bytes) -> pa.Array:
    return pa.LargeStringArray.from_buffers(len(offsets) // 8 - 1, pa.py_buffer(offsets), pa.py_buffer(data))


class FastChunk(batch.Chunk):
    """:class:`~copydesk.quality.batch.Chunk`'s figures and columns, computed in C."""

    def __init__(self, bodies, checklists=None, report: bool = False):
        if not isinstance(bodies, (pa.Array, pa.ChunkedArray)):
            bodies = pa.array(bodies, pa.large_string())
        bodies = pc.fill_null(batch._one_chunk(bodies).cast(pa.large_string()), "")
        self.n = n = len(bodies)
        data, offsets = batch._utf8(bodies)
        with _LOCK:
            if not _CMU:
                table = text._cmu_syllables()
                _c.cmu(table.words, table.words.dtype.itemsize, table.counts)
                _CMU.append(table)
            if _c.size() > TABLE_MOST or _c.text_bytes() > TABLE_BYTES:
                _c.reset()
            (heads, items, pars, words, prose_words, syllables, sentences, longs, longest, hash_offsets, hashes,
             distinct, item_body, item_under, item_offsets, item_data, new_hashes, new_offsets,
             new_data, report_odd) = _c.scan(data, offsets, _values_of, _hash_of, report)

        def i64(b):
            return np.frombuffer(b, np.int32).astype(np.int64)

        self.word_count = i64(words)            # (the prose's words are added by _finish)
        self.heading_count, self.list_item_count, self.paragraph_count = i64(heads), i64(items), i64(pars)
        self.prose_words = np.frombuffer(prose_words, np.int64)
        self.syllables = np.frombuffer(syllables, np.int64)
        self.sentence_count, self.long_sentences = i64(sentences), i64(longs)
        self.longest_paragraph_words = i64(longest)
        self._hashes = (pa.ListArray.from_arrays(pa.array(np.frombuffer(hash_offsets, np.int32)),
                                                 pa.array(np.frombuffer(hashes, np.uint64))),
                        pa.array(np.frombuffer(distinct, np.int32)))
        self.items = _strings(item_offsets, item_data)
        self.item_post = i64(item_body)
        self.item_under_checklist = np.frombuffer(item_under, np.uint8).astype(bool)
        reported = _strings(new_offsets, new_data)
        odd = np.frombuffer(report_odd, np.int32).astype(np.int64)
        if len(odd):                    # (lower-cased in C on ASCII: these by str.lower)
            lowered = [t.lower() for t in pc.take(reported, pa.array(odd)).to_pylist()]
            reported = batch._replaced(reported, odd, pa.array(lowered, pa.large_string()))
        self._distinct = (np.frombuffer(new_hashes, np.uint64), reported)
        self._finish(checklists if checklists is not None else [None] * n)

    def hashes_distinct_first(self) -> tuple[pa.ListArray, pa.Array]:
        return self._hashes

    lowered = True

    def distinct_sentences(self) -> tuple[np.ndarray, pa.Array]:
        """With ``report``, the prose sentences of the chunk that this process's table has not
        reported since it was last emptied (:func:`forget`): (their hashes, their normalised
        texts: whitespace collapsed, lower-cased); without it, none.  (batch's ``Chunk`` gives every
        distinct sentence of its chunk; :func:`copydesk.quality.signals.chunk_signals` reports
        each text once a process either way, and forgets the table with what it reported.)"""
        return self._distinct

    def sentences_of(self, i: int) -> list[str]:
        raise NotImplementedError("FastChunk keeps no sentence texts per post (batch.Chunk does)")

    def hashes_of(self, i: int) -> list[int]:
        raise NotImplementedError("FastChunk keeps each post's hashes distinct ones first only "
                                  "(hashes_distinct_first); batch.Chunk has them in order")
