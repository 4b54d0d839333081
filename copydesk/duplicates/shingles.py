"""Stage 1, per post: normalised article, hash keys, word shingles, template shingles, MinHash signatures.

Everything here works on one chunk (or partition) of posts at a time and needs
nothing but its arrays: :func:`features` turns a batch of ``post_id, title, body``
into the :class:`Features` the later stages use; :func:`template_shingles` finds the
boilerplate shingles of a sample once per corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import db as dbmod
from .. import queries
from ..arrays import offsets as offsets_of
from .arrays import P1, P2, mix, runs, utf8_buffers
from .settings import DEFAULT, Settings

_WORD = np.zeros(256, dtype=bool)
_WORD[ord("a"):ord("z") + 1] = True
_WORD[ord("A"):ord("Z") + 1] = True
_WORD[ord("0"):ord("9") + 1] = True
_WORD[128:] = True                 # UTF-8 multi-byte sequences are word characters
_EMPTY = np.uint32(0xFFFFFFFF)

# --------------------------------------------------------------------------------------
# normalising
# --------------------------------------------------------------------------------------

_BLANK = np.zeros(256, dtype=bool)            # whitespace inside a line
for _c in b" \t\r\x0b\x0c":
    _BLANK[_c] = True
_SPACE = _BLANK.copy()
_SPACE[ord("\n")] = True
# bullets stripped at the start of a line: - * + and • ‣ ▪ ◦ ·
_BULLETS = [b"-", b"*", b"+", "•".encode(), "‣".encode(), "▪".encode(), "◦".encode(), "·".encode()]
_BULLET_RE = re.compile(r"^[ \t\r\x0b\x0c\xa0]*(?:[-*+•‣▪◦·](?=[ \t\r\n\x0b\x0c\xa0]))?", re.M)
_SPACE_RE = re.compile(r"[ \t\r\n\x0b\x0c\xa0]+")
_BULLET_FIRST = np.zeros(256, dtype=bool)
for _seq in _BULLETS:
    _BULLET_FIRST[_seq[0]] = True


def normalise(title: str | None, body: str | None) -> str:
    """The article text the engine compares (reference implementation of :func:`normalise_arrow`).

    Title and body joined by a newline, lowercased, bullets at the start of body
    lines removed, every run of whitespace (incl. no-break spaces) one space, trimmed.
    """
    head, _, rest = ((title or "").lower() + "\n" + (body or "").lower()).partition("\n")
    return _SPACE_RE.sub(" ", head + "\n" + _BULLET_RE.sub("", rest)).strip(" ")


def normalise_arrow(title: pa.Array, body: pa.Array) -> pa.Array:
    """:func:`normalise` over whole string arrays: pyarrow lowercasing, then numpy on the UTF-8 bytes.

    Only byte-wide masks run over the whole text; bullets and trailing space are
    handled on the (few) candidate positions.
    """
    title = pc.utf8_lower(pc.fill_null(title.cast(pa.large_string()), ""))
    body = pc.utf8_lower(pc.fill_null(body.cast(pa.large_string()), ""))
    text = pc.binary_join_element_wise(title, body, pa.scalar("\n", pa.large_string()))
    data, offsets = utf8_buffers(text)
    n = len(offsets) - 1
    if len(data) == 0:
        return pa.array([""] * n, pa.large_string())
    sp = _SPACE[data]
    c2 = np.flatnonzero(data[:-1] == 0xC2)                 # U+00A0 is C2 A0
    c2 = c2[data[c2 + 1] == 0xA0]
    sp[c2] = True
    sp[c2 + 1] = True
    _mark_bullets(data, offsets, sp)
    keep = _collapsed(sp, offsets)
    out = data.copy()
    out[sp] = 0x20
    out = out[keep]
    nonempty = offsets[:-1] < offsets[1:]
    counts = np.zeros(n, dtype=np.int64)
    if nonempty.any():
        counts[nonempty] = np.add.reduceat(keep.view(np.uint8), offsets[:-1][nonempty], dtype=np.int64)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets_of(counts)), pa.py_buffer(out))


def _mark_bullets(data: np.ndarray, offsets: np.ndarray, sp: np.ndarray) -> None:
    """Mark as space (in ``sp``) every bullet after a newline (and blanks) that whitespace follows."""
    cand = np.flatnonzero(_BULLET_FIRST[data])
    if not len(cand):
        return
    length = len(data)
    doc_start = offsets[np.searchsorted(offsets, cand, side="right") - 1]
    doc_end = offsets[np.searchsorted(offsets, cand, side="right")]
    pos = cand - 1
    active = pos >= doc_start
    while True:                                         # step back over blanks
        blank = np.zeros(len(cand), dtype=bool)
        blank[active] = sp[pos[active]] & (data[pos[active]] != 0x0A)
        if not blank.any():
            break
        pos[blank] -= 1
        active = blank & (pos >= doc_start)
    line_start = (pos >= doc_start) & (data[np.maximum(pos, 0)] == 0x0A)
    for seq in _BULLETS:
        k = len(seq)
        m = line_start & (cand + k < doc_end)
        for j, byte in enumerate(seq):
            m &= data[np.minimum(cand + j, length - 1)] == byte
        m &= sp[np.minimum(cand + k, length - 1)]
        hit = cand[m]
        for j in range(k):
            sp[hit + j] = True


def _collapsed(sp: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Bytes kept when every run of whitespace (``sp``) becomes its first byte and runs at a doc's
    start or end go."""
    nonempty = offsets[:-1] < offsets[1:]
    starts = offsets[:-1][nonempty]
    ends = offsets[1:][nonempty]
    prev = np.empty(len(sp), dtype=bool)
    prev[0] = True
    prev[1:] = sp[:-1]
    prev[starts] = True
    keep = ~sp | ~prev
    # a run reaching the end of a doc goes: walk back from each doc end to the run's first byte
    pos = ends - 1
    active = sp[pos] & (pos >= starts)
    pos, lo = pos[active], starts[active]
    while len(pos):
        more = (pos > lo) & sp[pos - 1]
        keep[pos[~more]] = False
        pos, lo = pos[more] - 1, lo[more]
    return keep


# --------------------------------------------------------------------------------------
# shingles
# --------------------------------------------------------------------------------------

_PB = 0x100000001B3                                  # odd, hence invertible modulo 2**64
_POWERS = [np.ones(1, np.uint64), np.ones(1, np.uint64)]


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """_PB**i and _PB**-i modulo 2**64 for i < n (cached, grown on demand)."""
    if len(_POWERS[0]) < n:
        size = max(n, 2 * len(_POWERS[0]))
        for k, base in enumerate((_PB, pow(_PB, -1, 1 << 64))):
            arr = np.full(size, base, dtype=np.uint64)
            arr[0] = 1
            _POWERS[k] = np.cumprod(arr, dtype=np.uint64)
    return _POWERS[0][:n], _POWERS[1][:n]


def _no_shingles() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(0, np.int64), np.zeros(0, np.uint64)


def shingle_hashes(arr: pa.Array, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Hashed word k-shingles of each string: (doc index int64, shingle uint64).

    Words are runs of ASCII letters/digits or non-ASCII bytes.  A word's hash is a
    polynomial hash of its bytes taken from one prefix sum over the whole chunk;
    shingles combine k consecutive words of one document.  Documents with 1..k-1
    words get one shingle of all their words.
    """
    data, offsets = utf8_buffers(arr)
    if len(data) == 0:
        return _no_shingles()
    st, en = _word_bounds(data, offsets)
    if len(st) == 0:
        return _no_shingles()
    wh = _word_hashes(data, st, en)
    wdoc = np.searchsorted(offsets, st, side="right") - 1
    nw = len(wh)
    out_doc, out_h = [], []
    if nw >= k:
        same = wdoc[: nw - k + 1] == wdoc[k - 1:]
        sh = wh[: nw - k + 1].copy()
        for j in range(1, k):
            sh = (sh * P1) ^ (wh[j: nw - k + 1 + j] * P2)
        sh = mix(sh)
        out_doc.append(wdoc[: nw - k + 1][same])
        out_h.append(sh[same])
    short_doc, short_h = _short_doc_shingles(wdoc, wh, len(offsets) - 1, k)
    if len(short_doc):
        out_doc.append(short_doc)
        out_h.append(short_h)
    if not out_doc:
        return _no_shingles()
    return np.concatenate(out_doc).astype(np.int64), np.concatenate(out_h)


def _word_bounds(data: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first byte, one past the last byte) of every word; words never cross a document boundary."""
    w = _WORD[data]
    starts = w.copy()                                   # a word byte not preceded by one (same doc)
    starts[1:] &= ~w[:-1]
    ends = w.copy()                                     # a word byte not followed by one (same doc)
    ends[:-1] &= ~w[1:]
    doc_first = offsets[:-1][offsets[:-1] < offsets[1:]]
    starts[doc_first] = w[doc_first]
    doc_last = offsets[1:][offsets[1:] > offsets[:-1]] - 1
    ends[doc_last] = w[doc_last]
    return np.flatnonzero(starts), np.flatnonzero(ends) + 1


def _word_hashes(data: np.ndarray, st: np.ndarray, en: np.ndarray) -> np.ndarray:
    """uint64 hash of each word data[st[i]:en[i]], from one polynomial prefix sum over the chunk."""
    pw, inv = _powers(len(data))
    h = data.astype(np.uint64)
    np.multiply(h, pw, out=h)
    np.cumsum(h, out=h)
    before = np.where(st > 0, h[np.maximum(st - 1, 0)], np.uint64(0))
    return mix((h[en - 1] - before) * inv[st])


def _short_doc_shingles(wdoc: np.ndarray, wh: np.ndarray, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """One shingle over all the words of each document with 1..k-1 words."""
    counts = np.bincount(wdoc, minlength=n)
    short = np.flatnonzero((counts > 0) & (counts < k))
    if not len(short):
        return _no_shingles()
    first = np.searchsorted(wdoc, short)
    sh = np.zeros(len(short), np.uint64)
    for j in range(k - 1):
        has = counts[short] > j
        sh[has] = (sh[has] * P1) ^ wh[first[has] + j]
    return short.astype(np.int64), mix(sh ^ counts[short].astype(np.uint64))


def template_shingles(arr: pa.Array, total_posts: int, settings: Settings = DEFAULT) -> np.ndarray:
    """Sorted shingle hashes found in a large share of the sampled posts ``arr``."""
    n = len(arr)
    if n == 0:
        return np.zeros(0, np.uint64)
    doc, sh = shingle_hashes(arr, settings.shingle_words)
    if len(sh) == 0:
        return np.zeros(0, np.uint64)
    # count documents, not occurrences: a stable sort keeps each run's doc indices in
    # scan order, so a repeat inside one document is adjacent to its first occurrence
    order = np.argsort(sh, kind="stable")
    doc, sh = doc[order], sh[order]
    start, size = runs(sh)
    new_doc = np.ones(len(sh), dtype=bool)
    new_doc[1:] = doc[1:] != doc[:-1]
    new_doc[start] = True
    counts = np.add.reduceat(new_doc.astype(np.int64), start)
    uniq = sh[start]
    scale = n / max(total_posts, n)
    min_count = max(settings.common_share * n, settings.common_min_posts * scale, 2.0)
    return uniq[counts >= min_count]


# --------------------------------------------------------------------------------------
# MinHash signatures
# --------------------------------------------------------------------------------------

def signatures(arr: pa.Array, template: np.ndarray, settings: Settings = DEFAULT) -> np.ndarray:
    """One-permutation MinHash (densified) of each string's non-template shingles.

    Returns an ``(n, bins)`` uint16 matrix (the low 16 bits of each bin's minimum:
    enough to compare bins, half the memory); rows of posts without any word are all
    0 (such posts only match exactly).  Posts whose shingles are all template keep
    their template shingles, so they still match each other.
    """
    n = len(arr)
    K = settings.bins
    doc, sh = shingle_hashes(arr, settings.shingle_words)
    if len(template) and len(sh):
        pos = np.searchsorted(template, sh)
        pos[pos >= len(template)] = 0
        common = template[pos] == sh
        kept = np.bincount(doc[~common], minlength=n)
        keep = ~common | (kept[doc] == 0)
        doc, sh = doc[keep], sh[keep]
    sig = np.full(n * K, _EMPTY, dtype=np.uint32)
    if len(sh):
        b = ((sh >> np.uint64(32)) * np.uint64(K)) >> np.uint64(32)
        val = (sh & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        np.minimum.at(sig, doc * K + b.astype(np.int64), val)
    sig = sig.reshape(n, K)
    empty = sig == _EMPTY
    if empty.any():
        _densify(sig, empty)
    out = (sig & np.uint32(0xFFFF)).astype(np.uint16)
    out[out == 0] = 1                                   # 0 marks a post without words
    out[(sig == _EMPTY).all(axis=1)] = 0
    return out


def _densify(sig: np.ndarray, empty: np.ndarray) -> None:
    """Rotation densification, in place: an empty bin borrows from the next non-empty bin to
    its right (circularly), salted by the distance.  Rows with no non-empty bin stay empty."""
    K = sig.shape[1]
    ar = np.arange(K)
    idx = np.where(empty, 4 * K, ar)
    idx2 = np.concatenate([idx, np.where(empty, 4 * K, ar + K)], axis=1)
    nxt = np.minimum.accumulate(idx2[:, ::-1], axis=1)[:, ::-1][:, :K]
    has_any = ~empty.all(axis=1)
    dist = (nxt - ar).astype(np.uint64)
    src = np.where(has_any[:, None], nxt % K, 0)
    borrowed = np.take_along_axis(sig, src, axis=1).astype(np.uint64)
    salted = (mix(borrowed * P1 + dist) & np.uint64(0xFFFFFFFE)).astype(np.uint32)
    fill = empty & has_any[:, None]
    sig[fill] = salted[fill]


# --------------------------------------------------------------------------------------
# per-post features of a chunk
# --------------------------------------------------------------------------------------

def chunk_keys(article: pa.Array, title: pa.Array) -> dict[str, np.ndarray]:
    """Hash keys (DuckDB ``hash``) of normalised articles and titles, and article lengths.

    Runs on a private in-memory DuckDB, so it needs no database (a worker can call it)."""
    con = dbmod.memory()
    try:
        con.register("dup_chunk", pa.table({"article": article, "title_norm": title}))
        tbl = queries.statement("duplicates/chunk_keys", {}).relation(con).to_arrow_table()
    finally:
        con.close()
    return {
        "article_key": tbl.column("article_key").to_numpy().astype(np.uint64),
        "title_key": tbl.column("title_key").to_numpy().astype(np.uint64),
        "article_length": tbl.column("article_length").to_numpy().astype(np.int64),
    }


@dataclass
class Features:
    """What the later stages need of each post (index = position in scan order).

    ``post_id`` (string), ``title`` (normalised title, large_string), ``article_key`` /
    ``title_key`` (uint64 hash of the normalised article / title), ``length`` (characters
    of the normalised article) and ``sig`` (the ``(n, bins)`` uint16 MinHash signatures).
    """

    post_id: pa.Array
    title: pa.Array
    article_key: np.ndarray
    title_key: np.ndarray
    length: np.ndarray
    sig: np.ndarray

    def __len__(self) -> int:
        return len(self.post_id)

    @classmethod
    def concat(cls, parts: list[Features]) -> Features:
        """The features of several chunks, in order (an empty list gives no posts)."""
        if not parts:
            return cls(pa.array([], pa.string()), pa.array([], pa.large_string()), np.zeros(0, np.uint64),
                       np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros((0, 1), np.uint16))
        return cls(pa.concat_arrays([p.post_id for p in parts]), pa.concat_arrays([p.title for p in parts]),
                   *(np.concatenate([getattr(p, f) for p in parts])
                     for f in ("article_key", "title_key", "length", "sig")))


def features(batch: pa.RecordBatch | pa.Table, template: np.ndarray, settings: Settings = DEFAULT) -> Features:
    """:class:`Features` of a batch with columns post_id, title, body (any number of rows)."""
    article = normalise_arrow(batch.column("title"), batch.column("body"))
    title = normalise_arrow(batch.column("title"), pa.nulls(len(article), pa.large_string()))
    # copy the ids: a column exported by DuckDB keeps its whole batch (bodies too) alive
    ids = batch.column("post_id").cast(pa.string())
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    keys = chunk_keys(article, title)
    return Features(pc.take(ids, pa.array(np.arange(len(ids)))), title, keys["article_key"], keys["title_key"],
                    keys["article_length"], signatures(article, template, settings))
