"""Near-duplicate posts at corpus scale.

Two posts are *near-duplicates* when their article text (title + body) is
essentially the same text: light word edits, reordered sections, changes of case
and whitespace and any difference in metadata are allowed.  The engine never
compares all pairs:

1. **Normalise** (:func:`normalise_arrow`, numpy over the UTF-8 bytes): title +
   body, lowercase, bullets at line starts stripped, whitespace (incl. no-break
   spaces) collapsed to one space.
2. **Exact duplicates**: posts with the same normalised article (DuckDB ``hash``)
   form a group; one representative per group goes on, pairs inside a group are
   ``exact``.
3. **Shingles and template removal**: word 3-shingles, hashed with a polynomial
   prefix hash in numpy.  Shingles present in more than ``common_share`` of a
   sample of posts (boilerplate intros/closings, headings) are dropped, so shared
   template text cannot pull unrelated posts together.
4. **Candidates**: a one-permutation MinHash signature (``bins`` bins, rotation
   densified, 16 bits per bin) per post; ``bands`` LSH bands, each an AND of
   ``rows`` pseudo-randomly chosen bins.  Posts sharing a band bucket are
   candidates; a candidate whose signatures agree on fewer than ``min_jaccard`` of
   the bins, or whose lengths alone rule out the floor, is dropped.
5. **Verification** with rapidfuzz ``process.cpdist(workers=-1)``:
   ``similarity = max(ratio, token_sort_ratio)`` of the normalised articles on the
   0-100 scale (``ratio`` rewards light edits in place, ``token_sort_ratio`` is
   indifferent to reordered sections).  Articles over ``long_chars`` characters
   use :func:`long_similarity` (linear time) instead.
6. **Closure**: members of a connected component of verified pairs are compared
   with each other (two light edits of one source may not meet in a bucket).
7. **Clusters**: union-find over pairs at or above the threshold that no editor
   rejected; the suggested canonical post is the one with the best quality, then
   freshness, then views (or the one an editor confirmed).

Title duplicates (same normalised title, article similarity below the threshold,
or never scored) are reported as ``kind = 'title'``.

:func:`find_pairs` takes a DuckDB connection with a ``posts`` relation (a
copydesk database, or a DataFrame via :func:`find_duplicates_df`) and returns a
pairs DataFrame; :func:`refresh` stores results in the database, fully or
incrementally (only new and changed posts are compared against the rest).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from dataclasses import asdict, dataclass, field

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from . import hooks, queries

KINDS = ("exact", "near", "title")
VERDICTS = ("not_duplicate", "duplicate", "canonical")


@dataclass(frozen=True)
class Settings:
    """Engine settings; every one is recorded with each run."""

    threshold: float = 90.0        # pairs at/above are duplicates (clusters, CSV)
    floor: float = 80.0            # pairs at/above are stored (the page slider's range)
    shingle_words: int = 3         # words per shingle
    bins: int = 128                # one-permutation MinHash bins per post
    bands: int = 100               # LSH bands ...
    rows: int = 6                  # ... each an AND of this many bins
    common_share: float = 0.1      # a shingle in more than this share of posts is template ...
    common_min_posts: int = 10     # ... and in at least this many posts
    sample_size: int = 5_000       # posts sampled to find template shingles
    max_bucket: int = 300          # larger LSH buckets are skipped (counted in stats)
    title_group_max: int = 10      # same-title groups up to this size get all pairs, larger a star
    exact_group_max: int = 1000    # the same for groups of identical articles
    min_jaccard: float = 0.4       # candidates whose signatures agree on fewer bins are dropped
    closure_max: int = 60          # components up to this size are compared member by member
    long_chars: int = 30_000       # articles longer than this are compared by word multiset
    chunk_rows: int = 4_096        # posts per streamed chunk
    verify_chunk: int = 25_000     # candidate pairs scored per batch (their articles are in memory)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


DEFAULT = Settings()

# --------------------------------------------------------------------------------------
# hashing (vectorised numpy)
# --------------------------------------------------------------------------------------

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_WORD = np.zeros(256, dtype=bool)
_WORD[ord("a"):ord("z") + 1] = True
_WORD[ord("A"):ord("Z") + 1] = True
_WORD[ord("0"):ord("9") + 1] = True
_WORD[128:] = True                 # UTF-8 multi-byte sequences are word characters
_P1 = np.uint64(0x9E3779B97F4A7C15)
_P2 = np.uint64(0xC2B2AE3D27D4EB4F)
_EMPTY = np.uint32(0xFFFFFFFF)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, elementwise on uint64 (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _utf8_buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(bytes, offsets) of a string array, zero-copy where possible; nulls become ''."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count:
        arr = arr.fill_null("")
    if not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_string())
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
    start, stop = int(offsets[0]), int(offsets[-1])
    return data[start:stop], offsets - start


_BLANK = np.zeros(256, dtype=bool)            # whitespace inside a line
for _c in b" \t\r\x0b\x0c":
    _BLANK[_c] = True
_SPACE = _BLANK.copy()
_SPACE[ord("\n")] = True
# bullets stripped at the start of a line: - * + and • ‣ ▪ ◦ ·
_BULLETS = [b"-", b"*", b"+", "•".encode(), "‣".encode(), "▪".encode(), "◦".encode(), "·".encode()]
_BULLET_RE = re.compile(r"^[ \t\r\x0b\x0c\xa0]*(?:[-*+•‣▪◦·](?=[ \t\r\n\x0b\x0c\xa0]))?", re.M)
_SPACE_RE = re.compile(r"[ \t\r\n\x0b\x0c\xa0]+")


def normalise(title: str | None, body: str | None) -> str:
    """The article text the engine compares (reference implementation of :func:`normalise_arrow`).

    Title and body joined by a newline, lowercased, bullets at the start of body
    lines removed, every run of whitespace (incl. no-break spaces) one space, trimmed.
    """
    head, _, rest = ((title or "").lower() + "\n" + (body or "").lower()).partition("\n")
    return _SPACE_RE.sub(" ", head + "\n" + _BULLET_RE.sub("", rest)).strip(" ")


_BULLET_FIRST = np.zeros(256, dtype=bool)
for _seq in _BULLETS:
    _BULLET_FIRST[_seq[0]] = True


def normalise_arrow(title: pa.Array, body: pa.Array) -> pa.Array:
    """:func:`normalise` over whole string arrays: pyarrow lowercasing, then numpy on the UTF-8 bytes.

    Only byte-wide masks run over the whole text; bullets and trailing space are
    handled on the (few) candidate positions.
    """
    title = pc.utf8_lower(pc.fill_null(title.cast(pa.large_string()), ""))
    body = pc.utf8_lower(pc.fill_null(body.cast(pa.large_string()), ""))
    text = pc.binary_join_element_wise(title, body, pa.scalar("\n", pa.large_string()))
    data, offsets = _utf8_buffers(text)
    n = len(offsets) - 1
    length = len(data)
    if length == 0:
        return pa.array([""] * n, pa.large_string())
    sp = _SPACE[data]
    c2 = np.flatnonzero(data[:-1] == 0xC2)                 # U+00A0 is C2 A0
    c2 = c2[data[c2 + 1] == 0xA0]
    sp[c2] = True
    sp[c2 + 1] = True
    nonempty = offsets[:-1] < offsets[1:]
    starts = offsets[:-1][nonempty]
    ends = offsets[1:][nonempty]

    # bullets: a bullet sequence after a newline (and blanks), followed by whitespace
    cand = np.flatnonzero(_BULLET_FIRST[data])
    if len(cand):
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

    # collapse runs of whitespace to their first byte; a run at a doc start goes
    prev = np.empty(length, dtype=bool)
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
    out = data.copy()
    out[sp] = 0x20
    out = out[keep]
    counts = np.zeros(n, dtype=np.int64)
    if len(starts):
        counts[nonempty] = np.add.reduceat(keep.view(np.uint8), starts, dtype=np.int64)
    new_off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=new_off[1:])
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(new_off), pa.py_buffer(out))


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


def shingle_hashes(arr: pa.Array, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Hashed word k-shingles of each string: (doc index int64, shingle uint64).

    Words are runs of ASCII letters/digits or non-ASCII bytes.  A word's hash is a
    polynomial hash of its bytes taken from one prefix sum over the whole chunk;
    shingles combine k consecutive words of one document.  Documents with 1..k-1
    words get one shingle of all their words.
    """
    data, offsets = _utf8_buffers(arr)
    n = len(offsets) - 1
    length = len(data)
    if length == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    w = _WORD[data]
    starts = w.copy()                                   # a word byte not preceded by one (same doc)
    starts[1:] &= ~w[:-1]
    ends = w.copy()                                     # a word byte not followed by one (same doc)
    ends[:-1] &= ~w[1:]
    doc_first = offsets[:-1][offsets[:-1] < offsets[1:]]
    starts[doc_first] = w[doc_first]
    ends[offsets[1:][offsets[1:] > offsets[:-1]] - 1] = w[offsets[1:][offsets[1:] > offsets[:-1]] - 1]
    st = np.flatnonzero(starts)
    en = np.flatnonzero(ends) + 1
    del starts, ends
    if len(st) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    pw, inv = _powers(length)
    h = data.astype(np.uint64)
    np.multiply(h, pw, out=h)
    np.cumsum(h, out=h)
    before = np.where(st > 0, h[np.maximum(st - 1, 0)], np.uint64(0))
    wh = _mix((h[en - 1] - before) * inv[st])
    del h
    wdoc = np.searchsorted(offsets, st, side="right") - 1
    nw = len(wh)
    out_doc = []
    out_h = []
    if nw >= k:
        same = wdoc[: nw - k + 1] == wdoc[k - 1:]
        sh = wh[: nw - k + 1].copy()
        for j in range(1, k):
            sh = (sh * _P1) ^ (wh[j: nw - k + 1 + j] * _P2)
        sh = _mix(sh)
        out_doc.append(wdoc[: nw - k + 1][same])
        out_h.append(sh[same])
    # short documents: one shingle over all their words
    counts = np.bincount(wdoc, minlength=n)
    short = np.flatnonzero((counts > 0) & (counts < k))
    if len(short):
        first = np.searchsorted(wdoc, short)
        sh = np.zeros(len(short), np.uint64)
        for j in range(k - 1):
            has = counts[short] > j
            sh[has] = (sh[has] * _P1) ^ wh[first[has] + j]
        out_doc.append(short.astype(np.int64))
        out_h.append(_mix(sh ^ counts[short].astype(np.uint64)))
    if not out_doc:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    return np.concatenate(out_doc).astype(np.int64), np.concatenate(out_h)


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
    start, size = _runs(sh)
    new_doc = np.ones(len(sh), dtype=bool)
    new_doc[1:] = doc[1:] != doc[:-1]
    new_doc[start] = True
    counts = np.add.reduceat(new_doc.astype(np.int64), start)
    uniq = sh[start]
    scale = n / max(total_posts, n)
    min_count = max(settings.common_share * n, settings.common_min_posts * scale, 2.0)
    return uniq[counts >= min_count]


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
        # rotation densification: an empty bin borrows from the next non-empty bin to
        # its right (circularly), salted by the distance.
        ar = np.arange(K)
        idx = np.where(empty, 4 * K, ar)
        idx2 = np.concatenate([idx, np.where(empty, 4 * K, ar + K)], axis=1)
        nxt = np.minimum.accumulate(idx2[:, ::-1], axis=1)[:, ::-1][:, :K]
        has_any = ~empty.all(axis=1)
        dist = (nxt - ar).astype(np.uint64)
        src = np.where(has_any[:, None], nxt % K, 0)
        borrowed = np.take_along_axis(sig, src, axis=1).astype(np.uint64)
        salted = (_mix(borrowed * _P1 + dist) & np.uint64(0xFFFFFFFE)).astype(np.uint32)
        fill = empty & has_any[:, None]
        sig[fill] = salted[fill]
    out = (sig & np.uint32(0xFFFF)).astype(np.uint16)
    out[out == 0] = 1                                   # 0 marks a post without words
    out[(sig == _EMPTY).all(axis=1)] = 0
    return out


def band_layout(settings: Settings = DEFAULT) -> np.ndarray:
    """``(bands, rows)`` bin indices of each LSH band: fixed pseudo-random subsets of the bins.

    Bands may share bins, so there can be more bands than ``bins / rows``; every band is
    still an AND of ``rows`` MinHash agreements (collision probability ~ J ** rows).
    """
    rng = np.random.default_rng(0xBA4D5)
    return np.stack([np.sort(rng.choice(settings.bins, settings.rows, replace=False))
                     for _ in range(settings.bands)])


def band_key(sig: np.ndarray, band: int, layout: np.ndarray) -> np.ndarray:
    """uint32 bucket key of one LSH band for every row of ``sig``; 0 for word-less posts."""
    n = sig.shape[0]
    h = np.full(n, ((band + 1) * int(_P2)) & 0xFFFFFFFFFFFFFFFF, dtype=np.uint64)
    for c in layout[band]:
        h = _mix(h ^ sig[:, c].astype(np.uint64))
    key = (h >> np.uint64(32)).astype(np.uint32) | np.uint32(1)
    key[sig[:, 0] == 0] = 0
    return key


def _pairs_within_runs(members: np.ndarray, run_start: np.ndarray, run_size: np.ndarray):
    """All (members[i], members[j]) pairs, i < j, inside each run of ``members``."""
    a_out, b_out = [], []
    if len(run_size) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    for d in range(1, int(run_size.max())):
        m = run_size > d
        s, z = run_start[m], run_size[m]
        cnt = z - d
        total = int(cnt.sum())
        base = np.repeat(s - (np.cumsum(cnt) - cnt), cnt) + np.arange(total)
        a_out.append(members[base])
        b_out.append(members[base + d])
    if not a_out:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(a_out), np.concatenate(b_out)


def _runs(sorted_keys: np.ndarray):
    """(start, size) of runs of equal values in a sorted array."""
    if len(sorted_keys) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    brk = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    start = np.concatenate([[0], brk])
    size = np.diff(np.concatenate([start, [len(sorted_keys)]]))
    return start, size


def group_pairs(keys: np.ndarray, max_group: int | None = None, star_beyond: bool = False):
    """Pairs (i < j) of positions with equal ``keys``.

    Groups larger than ``max_group`` are skipped, or (``star_beyond``) linked to
    their first member only.  Returns (a, b, skipped_groups).
    """
    order = np.argsort(keys, kind="stable")
    start, size = _runs(keys[order])
    multi = size >= 2
    start, size = start[multi], size[multi]
    skipped = 0
    if max_group is not None:
        big = size > max_group
        skipped = int(big.sum())
        if star_beyond and skipped:
            bs, bz = start[big], size[big]
            hub = np.repeat(order[bs], bz - 1)
            offs = np.repeat(bs - (np.cumsum(bz - 1) - (bz - 1)), bz - 1) + np.arange(int((bz - 1).sum())) + 1
            star_a, star_b = hub, order[offs]
        start, size = start[~big], size[~big]
    a, b = _pairs_within_runs(order, start, size)
    if max_group is not None and star_beyond and skipped:
        a, b = np.concatenate([a, star_a]), np.concatenate([b, star_b])
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    return lo, hi, skipped


def lsh_candidates(sig: np.ndarray, settings: Settings = DEFAULT,
                   focus: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Unique pairs (i < j) of rows of ``sig`` that share at least one band bucket.

    Band keys are computed one band at a time (memory stays at the signature matrix).
    Buckets larger than ``max_bucket`` are skipped and counted.  With ``focus`` (bool
    per row) only pairs touching a focus row are returned.
    """
    n = sig.shape[0]
    layout = band_layout(settings)
    valid = np.flatnonzero(sig[:, 0] != 0) if n else np.zeros(0, np.int64)
    codes = []
    skipped = 0
    for b in range(settings.bands):
        key = band_key(sig[valid], b, layout)
        if focus is not None:
            # only buckets that hold a focus row matter
            fkeys = np.unique(key[focus[valid]])
            sel = np.flatnonzero(np.isin(key, fkeys))
            a, c, sk = group_pairs(key[sel], settings.max_bucket)
            a, c = sel[a], sel[c]
            m = focus[valid[a]] | focus[valid[c]]
            a, c = a[m], c[m]
        else:
            a, c, sk = group_pairs(key, settings.max_bucket)
        skipped += sk
        if len(a):
            codes.append(np.unique(valid[a].astype(np.int64) * n + valid[c]))
    if not codes:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), skipped
    code = np.unique(np.concatenate(codes))
    return code // n, code % n, skipped


def estimated_jaccard(sig: np.ndarray, a: np.ndarray, b: np.ndarray, chunk: int = 1 << 18) -> np.ndarray:
    """Share of MinHash bins on which rows a[i] and b[i] agree (an estimate of their Jaccard)."""
    out = np.empty(len(a), np.float32)
    for s in range(0, len(a), chunk):
        out[s: s + chunk] = (sig[a[s: s + chunk]] == sig[b[s: s + chunk]]).mean(axis=1)
    return out


# --------------------------------------------------------------------------------------
# verification
# --------------------------------------------------------------------------------------

def similarity(article_a: str, article_b: str) -> float:
    """The pair score on normalised articles: max(ratio, token_sort_ratio), 0-100.

    ``ratio`` rewards light edits in place; ``token_sort_ratio`` (the same words in
    sorted order) is indifferent to reordered sections.
    """
    return float(max(fuzz.ratio(article_a, article_b), fuzz.token_sort_ratio(article_a, article_b)))


def score_pairs(art_a: list[str], art_b: list[str], cutoff: float = 0.0) -> np.ndarray:
    """Vectorised :func:`similarity` over aligned lists of normalised articles (rapidfuzz cpdist, all cores)."""
    if len(art_a) == 0:
        return np.zeros(0, np.float64)
    kw = dict(workers=-1, dtype=np.float32)
    if cutoff:
        kw["score_cutoff"] = cutoff
    s1 = process.cpdist(art_a, art_b, scorer=fuzz.ratio, **kw)
    s2 = process.cpdist(art_a, art_b, scorer=fuzz.token_sort_ratio, **kw)
    return np.maximum(s1, s2).astype(np.float64)


# --------------------------------------------------------------------------------------
# the engine
# --------------------------------------------------------------------------------------

@dataclass
class Result:
    """Pairs found by :func:`find_pairs` and how the run went."""

    pairs: pd.DataFrame
    stats: dict = field(default_factory=dict)


def _empty_pairs() -> pd.DataFrame:
    return pd.DataFrame({
        "post_id_a": pd.Series([], dtype=object), "post_id_b": pd.Series([], dtype=object),
        "similarity": pd.Series([], dtype="float64"), "title_similarity": pd.Series([], dtype="float64"),
        "kind": pd.Series([], dtype=object)})


def _rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux ru_maxrss is in KB)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _stream(con, name: str, chunk_rows: int, **params):
    """Record batches of a named query, ``chunk_rows`` at a time."""
    yield from _relation(con, name, **params).to_arrow_reader(chunk_rows)


def _relation(con, name: str, **params):
    """A named query as a DuckDB relation (Arrow output without an extra copy)."""
    return queries.statement(name, params).relation(con)


class _Corpus:
    """Per-post arrays collected in pass 1 (index = position in scan order)."""

    def __init__(self):
        self.post_id: list = []
        self.title: list = []
        self.article_key: list = []
        self.title_key: list = []
        self.length: list = []
        self.sig: list = []

    def add(self, batch: pa.RecordBatch, template: np.ndarray, settings: Settings) -> None:
        article = normalise_arrow(batch.column("title"), batch.column("body"))
        title = normalise_arrow(batch.column("title"), pa.nulls(len(article), pa.large_string()))
        # copy the ids: a column exported by DuckDB keeps its whole batch (bodies too) alive
        ids = batch.column("post_id").cast(pa.string())
        self.post_id.append(pc.take(ids, pa.array(np.arange(len(ids)))))
        self.title.append(title)
        keys = chunk_keys(article, title)
        self.article_key.append(keys["article_key"])
        self.title_key.append(keys["title_key"])
        self.length.append(keys["article_length"])
        self.sig.append(signatures(article, template, settings))

    def finish(self):
        cat = lambda xs, dtype: np.concatenate(xs) if xs else np.zeros(0, dtype)  # noqa: E731
        self.post_id = pa.concat_arrays(self.post_id) if self.post_id else pa.array([], pa.string())
        self.title = pa.concat_arrays(self.title) if self.title else pa.array([], pa.large_string())
        self.article_key = cat(self.article_key, np.uint64)
        self.title_key = cat(self.title_key, np.uint64)
        self.length = cat(self.length, np.int64)
        self.sig = np.concatenate(self.sig) if self.sig else np.zeros((0, 1), np.uint16)
        return self


def chunk_keys(article: pa.Array, title: pa.Array) -> dict[str, np.ndarray]:
    """Hash keys (DuckDB ``hash``) of normalised articles and titles, and article lengths."""
    con = duckdb.connect()
    try:
        con.register("dup_chunk", pa.table({"article": article, "title_norm": title}))
        tbl = _relation(con, "duplicates/chunk_keys").to_arrow_table()
    finally:
        con.close()
    return {
        "article_key": tbl.column("article_key").to_numpy().astype(np.uint64),
        "title_key": tbl.column("title_key").to_numpy().astype(np.uint64),
        "article_length": tbl.column("article_length").to_numpy().astype(np.int64),
    }


def find_pairs(con: duckdb.DuckDBPyConnection, settings: Settings = DEFAULT, *,
               template: np.ndarray | None = None, keep_keys: bool = False) -> Result:
    """All exact, near (>= floor) and title pairs among the posts visible to ``con``.

    ``con`` needs a ``posts`` relation with post_id, title, body (a copydesk
    database or :func:`memory_connection`).  Never compares all pairs.
    """
    t0 = time.perf_counter()
    stats: dict = {}
    total = queries.run(con, "duplicates/post_count").fetchall()[0][0]
    stats["posts"] = int(total)
    if total == 0:
        return Result(_empty_pairs(), dict(stats, seconds=0.0))

    # -- template shingles from a sample ------------------------------------------------
    if template is None:
        sample = _relation(con, "duplicates/posts_sample", n=settings.sample_size).to_arrow_table()
        template = template_shingles(normalise_arrow(sample.column("title"), sample.column("body")),
                                     total, settings)
        del sample
    stats["template_shingles"] = int(len(template))
    t1 = time.perf_counter()

    # -- pass 1: keys, lengths, signatures ----------------------------------------------
    corpus = _Corpus()
    for batch in _stream(con, "duplicates/posts", settings.chunk_rows):
        corpus.add(batch, template, settings)
    corpus.finish()
    t2 = time.perf_counter()
    stats["t_template"] = round(t1 - t0, 3)
    stats["t_signatures"] = round(t2 - t1, 3)
    stats["rss_mb_pass1"] = _rss_mb()

    res = _pairs_from_corpus(con, corpus, settings, stats)
    if keep_keys:
        res.stats["_corpus"] = corpus
        res.stats["_template"] = template
    res.stats["seconds"] = round(time.perf_counter() - t0, 3)
    return res


def _pairs_from_corpus(con, corpus: _Corpus, settings: Settings, stats: dict,
                       focus: np.ndarray | None = None) -> Result:
    """Candidates → verified pairs.  With ``focus`` (bool per post) only pairs touching a focus post."""
    n = len(corpus.post_id)
    t2 = time.perf_counter()
    # -- exact groups: one representative each -----------------------------------------
    uniq, first_idx, group = np.unique(corpus.article_key, return_index=True, return_inverse=True)
    group = group.reshape(-1)
    reps = np.sort(first_idx)
    ex_a, ex_b, _ = group_pairs(corpus.article_key, max_group=settings.exact_group_max, star_beyond=True)
    focus_group = None
    if focus is not None:
        focus_group = np.zeros(len(uniq), dtype=bool)
        focus_group[group[focus]] = True
        m = focus[ex_a] | focus[ex_b]
        ex_a, ex_b = ex_a[m], ex_b[m]

    # -- LSH candidates among representatives -------------------------------------------
    rep_focus = None if focus_group is None else focus_group[group[reps]]
    ca, cb, skipped = lsh_candidates(corpus.sig[reps], settings, focus=rep_focus)
    ca, cb = reps[ca], reps[cb]
    stats["lsh_candidates"] = int(len(ca))
    stats["skipped_buckets"] = int(skipped)
    # cheap filters: the signature's Jaccard estimate, and a lossless length bound
    # (ratio and token_sort_ratio are <= 200*min(la, lb)/(la + lb))
    keep = estimated_jaccard(corpus.sig, ca, cb) >= settings.min_jaccard
    ca, cb = ca[keep], cb[keep]
    va, vb = _length_ok(corpus, ca, cb, settings)
    t3 = time.perf_counter()
    stats["t_candidates"] = round(t3 - t2, 3)
    stats["rss_mb_candidates"] = _rss_mb()

    # -- verify with rapidfuzz; then close groups: members of one component are compared --
    sim = _verify(con, corpus, va, vb, settings)
    keep = sim >= settings.floor
    va, vb, sim = va[keep], vb[keep], sim[keep]
    verified = len(keep)
    for _round in range(2):
        xa, xb = _closure_pairs(va, vb, n, settings.closure_max)
        if len(xa) == 0:
            break
        xa, xb = _length_ok(corpus, xa, xb, settings)
        xs = _verify(con, corpus, xa, xb, settings)
        verified += len(xs)
        k = xs >= settings.floor
        va, vb, sim = np.concatenate([va, xa[k]]), np.concatenate([vb, xb[k]]), np.concatenate([sim, xs[k]])
    stats["verified"] = int(verified)
    stats["rss_mb_verify"] = _rss_mb()
    t4 = time.perf_counter()
    stats["t_verify"] = round(t4 - t3, 3)

    # -- expand representative pairs to the members of their exact groups ---------------
    members_order = np.argsort(group, kind="stable")
    gstart = np.searchsorted(group[members_order], np.arange(len(uniq)))
    gsize = np.bincount(group, minlength=len(uniq))
    ga, gb = group[va], group[vb]
    na, nb = gsize[ga], gsize[gb]
    cnt = na * nb
    pair_idx = np.repeat(np.arange(len(va)), cnt)
    within = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    na_, nb_ = na[pair_idx], nb[pair_idx]
    ia = members_order[gstart[ga][pair_idx] + within // nb_]
    ib = members_order[gstart[gb][pair_idx] + within % nb_]
    isim = sim[pair_idx]
    del na_
    if focus is not None:
        m = focus[ia] | focus[ib]
        ia, ib, isim = ia[m], ib[m], isim[m]

    # -- same-title pairs (not scored unless verified above) ------------------------------
    ta, tb, tskip = group_pairs(corpus.title_key, settings.title_group_max, star_beyond=True)
    m = (corpus.article_key[ta] != corpus.article_key[tb]) & (corpus.length[ta] > 0)
    if focus is not None:
        m &= focus[ta] | focus[tb]
    ta, tb = ta[m], tb[m]
    stats["large_title_groups"] = int(tskip)

    # -- combine: exact > verified > title ------------------------------------------------
    all_a = np.concatenate([ex_a, ia, ta])
    all_b = np.concatenate([ex_b, ib, tb])
    all_sim = np.concatenate([np.full(len(ex_a), 100.0), isim, np.full(len(ta), np.nan)])
    prio = np.concatenate([np.zeros(len(ex_a), np.int8), np.ones(len(ia), np.int8), np.full(len(ta), 2, np.int8)])
    lo, hi = np.minimum(all_a, all_b), np.maximum(all_a, all_b)
    code = lo.astype(np.int64) * n + hi
    order = np.lexsort((prio, code))
    code = code[order]
    first = np.ones(len(code), dtype=bool)
    first[1:] = code[1:] != code[:-1]
    sel = order[first]
    lo, hi, all_sim, prio = lo[sel], hi[sel], all_sim[sel], prio[sel]
    exact = corpus.article_key[lo] == corpus.article_key[hi]
    same_title = corpus.title_key[lo] == corpus.title_key[hi]
    below = np.isnan(all_sim) | (all_sim < settings.threshold)
    kind = np.where(exact, "exact", np.where(same_title & below, "title", "near"))
    all_sim = np.where(exact, 100.0, all_sim)

    titles_a = corpus.title.take(pa.array(lo)).to_pylist()
    titles_b = corpus.title.take(pa.array(hi)).to_pylist()
    tsim = process.cpdist(titles_a, titles_b, scorer=fuzz.ratio, workers=-1, dtype=np.float32).astype(np.float64) \
        if len(lo) else np.zeros(0)
    id_a = corpus.post_id.take(pa.array(lo)).to_numpy(zero_copy_only=False).astype(object)
    id_b = corpus.post_id.take(pa.array(hi)).to_numpy(zero_copy_only=False).astype(object)
    swap = id_a > id_b                              # post_id_a < post_id_b, by string order
    id_a, id_b = np.where(swap, id_b, id_a), np.where(swap, id_a, id_b)
    pairs = pd.DataFrame({
        "post_id_a": pd.Series(id_a, dtype=object),
        "post_id_b": pd.Series(id_b, dtype=object),
        "similarity": np.round(all_sim, 2),
        "title_similarity": np.round(tsim, 2),
        "kind": pd.Series(kind, dtype=object),
    })
    stats["pairs"] = int(len(pairs))
    stats["t_expand"] = round(time.perf_counter() - t4, 3)
    return Result(pairs.sort_values(["post_id_a", "post_id_b"], ignore_index=True), stats)


def _length_ok(corpus: _Corpus, a: np.ndarray, b: np.ndarray, settings: Settings):
    la, lb = corpus.length[a], corpus.length[b]
    keep = 200.0 * np.minimum(la, lb) >= settings.floor * np.maximum(la + lb, 1)
    return a[keep], b[keep]


def _closure_pairs(a: np.ndarray, b: np.ndarray, n: int, max_size: int):
    """Pairs inside connected components of the edges (a, b) that are not edges yet.

    Two light edits of one article may share too little to meet in an LSH bucket,
    yet both are close to their source: comparing within components finds them.
    """
    if len(a) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    nodes = np.unique(np.concatenate([a, b]))
    ia, ib = np.searchsorted(nodes, a), np.searchsorted(nodes, b)
    root = connected_components(ia, ib, len(nodes))
    size = np.bincount(root, minlength=len(nodes))
    ok = size[root] <= max_size
    order = np.argsort(root[ok], kind="stable")
    members = np.flatnonzero(ok)[order]
    start, sz = _runs(root[members])
    multi = sz >= 3
    pa_, pb_ = _pairs_within_runs(members, start[multi], sz[multi])
    if len(pa_) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    x, y = nodes[pa_], nodes[pb_]
    lo, hi = np.minimum(x, y), np.maximum(x, y)
    code = lo.astype(np.int64) * n + hi
    have = np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b)
    new = ~np.isin(code, have)
    return lo[new], hi[new]


def _verify(con, corpus: _Corpus, va: np.ndarray, vb: np.ndarray, settings: Settings) -> np.ndarray:
    """Similarity of the candidate pairs (va[i], vb[i]); 0 below the floor.

    Pairs are scored ``verify_chunk`` at a time; only the articles of one chunk are
    held in memory (fetched by id from ``posts`` and normalised again).
    """
    sim = np.zeros(len(va), np.float64)
    order = np.argsort(va, kind="stable")
    for s in range(0, len(order), settings.verify_chunk):
        idx = order[s: s + settings.verify_chunk]
        a, b = va[idx], vb[idx]
        needed = np.unique(np.concatenate([a, b]))
        art = _fetch_articles(con, corpus.post_id.take(pa.array(needed)))
        ia, ib = np.searchsorted(needed, a), np.searchsorted(needed, b)
        long_ = np.maximum(corpus.length[a], corpus.length[b]) > settings.long_chars
        out = np.zeros(len(idx))
        for i in np.flatnonzero(long_):
            out[i] = long_similarity(art[ia[i]], art[ib[i]])
        short = np.flatnonzero(~long_)
        out[short] = score_pairs([art[i] for i in ia[short]], [art[i] for i in ib[short]], cutoff=settings.floor)
        sim[idx] = out
        del art
    return sim


def long_similarity(a: str, b: str) -> float:
    """Similarity of very long articles: overlap of their word multisets, weighted by length.

    An upper bound of token_sort_ratio that costs linear time; rapidfuzz's quadratic
    scorers would take minutes on multi-megabyte posts.
    """
    from collections import Counter

    ca, cb = Counter(a.split(" ")), Counter(b.split(" "))
    common = sum(min(c, cb[w]) * (len(w) + 1) for w, c in ca.items() if w in cb)
    total = len(a) + len(b) + 2
    return 100.0 * 2 * common / total if total else 100.0


def _fetch_articles(con, post_ids: pa.Array) -> list[str]:
    """Normalised articles of ``post_ids``, in that order."""
    wanted = pa.table({"post_id": post_ids, "ord": pa.array(np.arange(len(post_ids)))})
    con.register("dup_wanted", wanted)
    try:
        tbl = _relation(con, "duplicates/posts_wanted").to_arrow_table()
    finally:
        con.unregister("dup_wanted")
    tbl = tbl.take(pa.array(np.argsort(tbl.column("ord").to_numpy())))
    return normalise_arrow(tbl.column("title"), tbl.column("body")).to_pylist()


# --------------------------------------------------------------------------------------
# DataFrame interface
# --------------------------------------------------------------------------------------

def memory_connection(posts: pd.DataFrame | pa.Table) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose ``posts`` view is the DataFrame (needs post_id, title, body)."""
    con = duckdb.connect()
    con.register("posts_input", posts)
    queries.run(con, "duplicates/memory_posts")
    return con


def find_duplicates_df(posts: pd.DataFrame | pa.Table, settings: Settings = DEFAULT) -> Result:
    """:func:`find_pairs` on a DataFrame with columns post_id, title, body."""
    con = memory_connection(posts)
    try:
        return find_pairs(con, settings)
    finally:
        con.close()


# --------------------------------------------------------------------------------------
# clusters and the canonical suggestion
# --------------------------------------------------------------------------------------

def connected_components(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Union-find over edges (a[i], b[i]) of nodes 0..n-1: the smallest node of each component."""
    parent = np.arange(n)
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    while True:
        # hook every edge's larger root onto its smaller root, then compress paths
        ra, rb = parent[a], parent[b]
        lo = np.minimum(ra, rb)
        changed = ra != rb
        if not changed.any():
            break
        np.minimum.at(parent, ra[changed], lo[changed])
        np.minimum.at(parent, rb[changed], lo[changed])
        while True:
            pp = parent[parent]
            if np.array_equal(pp, parent):
                break
            parent = pp
    return parent


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return "n/a"
    return f"{int(v):,}"


def suggest_canonical(members: pd.DataFrame, confirmed: dict | None = None) -> tuple[str, str]:
    """(post_id, reason) of the post to keep among ``members``.

    Best quality, then freshness, then views, then the smallest post id; an editor's
    confirmed canonical (``confirmed``: post_id -> (editor, decided_at)) wins.
    """
    confirmed = confirmed or {}
    picks = [(confirmed[p][1], p) for p in members["post_id"] if p in confirmed]
    if picks:
        _when, pid = max(picks)
        editor, when = confirmed[pid]
        return pid, f"confirmed by {editor} on {pd.Timestamp(when):%Y-%m-%d}"
    m = members.copy()
    for col in ("score_quality", "score_freshness", "view_count"):
        m[col] = pd.to_numeric(m[col], errors="coerce") if col in m else np.nan
    m = m.sort_values(["score_quality", "score_freshness", "view_count", "post_id"],
                      ascending=[False, False, False, True], na_position="last", kind="stable")
    best = m.iloc[0]
    if len(m) == 1:
        return best["post_id"], "only post"
    rest = m.iloc[1:]
    labels = (("score_quality", "highest quality"), ("score_freshness", "freshest"), ("view_count", "most views"))
    for col, label in labels:
        top, nxt = best[col], rest[col].max()
        if pd.isna(top) and pd.isna(nxt):
            continue
        if pd.isna(nxt) or (not pd.isna(top) and top > nxt):
            ties = ["quality", "freshness"][: [c for c, _ in labels].index(col)]
            prefix = f"{' and '.join(ties)} tied; " if ties else ""
            return best["post_id"], f"{prefix}{label} ({_fmt(top)} vs {_fmt(nxt)})"
        rest = rest[rest[col] == top]
    return best["post_id"], "quality, freshness and views tied; smallest post id"


def build_clusters(edges: pd.DataFrame, meta: pd.DataFrame, confirmed: dict | None = None) -> pd.DataFrame:
    """Clusters of the pairs ``edges`` (post_id_a, post_id_b) with a canonical suggestion.

    ``meta``: post_id, score_quality, score_freshness, view_count.  Returns one row per
    member: cluster_id (1 = largest, then most views), post_id, cluster_size,
    is_canonical, canonical_post_id, reason (on the canonical row), total_views.
    Vectorised; the choice and reason are those of :func:`suggest_canonical`.
    """
    cols = ["cluster_id", "post_id", "cluster_size", "is_canonical", "canonical_post_id", "reason", "total_views"]
    if edges.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
    ids = pd.unique(pd.concat([edges["post_id_a"], edges["post_id_b"]], ignore_index=True).astype(object))
    index = pd.Index(ids)
    root = connected_components(index.get_indexer(edges["post_id_a"]), index.get_indexer(edges["post_id_b"]), len(ids))
    df = pd.DataFrame({"post_id": ids.astype(object), "root": root})
    df = df.merge(meta, on="post_id", how="left")
    for col in ("score_quality", "score_freshness", "view_count"):
        df[col] = pd.to_numeric(df[col], errors="coerce") if col in df else np.nan
    g = df.groupby("root")
    df["cluster_size"] = g["post_id"].transform("size").astype("int64")
    df["total_views"] = g["view_count"].transform("sum").fillna(0).astype("int64")
    order = df.sort_values(["root", "score_quality", "score_freshness", "view_count", "post_id"],
                           ascending=[True, False, False, False, True], na_position="last", kind="stable")
    rank = order.groupby("root").cumcount()
    best = order[rank.to_numpy() == 0].set_index("root")
    second = order[rank.to_numpy() == 1].set_index("root").reindex(best.index)

    def gt(col):
        x, y = best[col].to_numpy(dtype=float), second[col].to_numpy(dtype=float)
        return ~np.isnan(x) & (np.isnan(y) | (x > y)), x, y

    def tied(col):
        x, y = best[col].to_numpy(dtype=float), second[col].to_numpy(dtype=float)
        return (x == y) | (np.isnan(x) & np.isnan(y))

    q_gt, q1, q2 = gt("score_quality")
    f_gt, f1, f2 = gt("score_freshness")
    v_gt, v1, v2 = gt("view_count")
    q_tie, f_tie = tied("score_quality"), tied("score_freshness")
    only = second["post_id"].isna().to_numpy()
    fmt = lambda v: "n/a" if np.isnan(v) else f"{int(v):,}"  # noqa: E731
    reasons = []
    for i in range(len(best)):
        if only[i]:
            reasons.append("only post")
        elif q_gt[i]:
            reasons.append(f"highest quality ({fmt(q1[i])} vs {fmt(q2[i])})")
        elif q_tie[i] and f_gt[i]:
            reasons.append(f"quality tied; freshest ({fmt(f1[i])} vs {fmt(f2[i])})")
        elif q_tie[i] and f_tie[i] and v_gt[i]:
            reasons.append(f"quality and freshness tied; most views ({fmt(v1[i])} vs {fmt(v2[i])})")
        else:
            reasons.append("quality, freshness and views tied; smallest post id")
    canon = pd.DataFrame({"canonical_post_id": best["post_id"].to_numpy(), "reason": reasons}, index=best.index)
    if confirmed:
        conf = pd.DataFrame([(p, e, pd.Timestamp(w)) for p, (e, w) in confirmed.items()],
                            columns=["post_id", "editor", "decided_at"])
        conf = conf.merge(df[["post_id", "root"]], on="post_id")
        if len(conf):
            conf = conf.sort_values(["root", "decided_at"]).groupby("root").tail(1).set_index("root")
            canon.loc[conf.index, "canonical_post_id"] = conf["post_id"]
            canon.loc[conf.index, "reason"] = [f"confirmed by {e} on {w:%Y-%m-%d}"
                                               for e, w in zip(conf["editor"], conf["decided_at"])]
    df = df.join(canon, on="root")
    df["is_canonical"] = df["post_id"] == df["canonical_post_id"]
    df["reason"] = df["reason"].where(df["is_canonical"], None)
    ordered = (df[df["is_canonical"]]
               .sort_values(["cluster_size", "total_views", "canonical_post_id"], ascending=[False, False, True]))
    cid = pd.Series(np.arange(1, len(ordered) + 1), index=ordered["root"].to_numpy())
    df["cluster_id"] = df["root"].map(cid).astype("int64")
    df = df.sort_values(["cluster_id", "is_canonical", "post_id"], ascending=[True, False, True], ignore_index=True)
    return df[cols]


def rebuild_clusters(con, threshold: float, run_id: int) -> int:
    """Recompute ``duplicate_clusters`` from the stored pairs and verdicts; returns the number of clusters."""
    edges = queries.run(con, "duplicates/cluster_edges", threshold=threshold).df()
    ids = pd.unique(pd.concat([edges["post_id_a"], edges["post_id_b"]], ignore_index=True).astype(object))
    members = pa.table({"post_id": pa.array(list(ids), pa.string())})
    con.register("dup_members", members)
    try:
        meta = queries.run(con, "duplicates/member_meta").df()
    finally:
        con.unregister("dup_members")
    confirmed = {}
    for pid, editor, when in queries.run(con, "duplicates/canonical_verdicts").fetchall():
        confirmed.setdefault(pid, (editor, when))
    clusters = build_clusters(edges, meta, confirmed)
    out = clusters.drop(columns=["total_views"]).assign(threshold=float(threshold), run_id=int(run_id))
    out = out.astype({"cluster_id": "int64", "cluster_size": "int32", "is_canonical": "bool"})
    con.register("dup_clusters", out)
    try:
        queries.run(con, "duplicates/replace_clusters")
    finally:
        con.unregister("dup_clusters")
    return int(out["cluster_id"].nunique()) if len(out) else 0


# --------------------------------------------------------------------------------------
# runs against a copydesk database
# --------------------------------------------------------------------------------------

def _scalar(con, name: str, **params):
    return queries.statement(name, params).scalar(con)


def _insert(con, query: str, relation: str, data) -> None:
    con.register(relation, data)
    try:
        queries.run(con, query)
    finally:
        try:
            con.unregister(relation)
        except duckdb.Error:
            pass


def _signature_rows(post_ids: pa.Array, sig: np.ndarray) -> pa.Table:
    sig = np.ascontiguousarray(sig, dtype="<u2")
    n, bins = sig.shape
    blobs = pa.FixedSizeBinaryArray.from_buffers(pa.binary(bins * 2), n, [None, pa.py_buffer(sig.tobytes())])
    return pa.table({"post_id": post_ids, "sig": blobs.cast(pa.binary())})


def _signature_matrix(blobs: pa.Array, bins: int) -> np.ndarray:
    """The ``(n, bins)`` uint16 matrix back from the stored BLOBs (all of equal length)."""
    if isinstance(blobs, pa.ChunkedArray):
        blobs = blobs.combine_chunks()
    if len(blobs) == 0:
        return np.zeros((0, bins), np.uint16)
    flat = blobs.cast(pa.large_binary())
    offsets = np.frombuffer(flat.buffers()[1], dtype=np.int64)[flat.offset: flat.offset + len(flat) + 1]
    data = np.frombuffer(flat.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[-1]]
    return data.view("<u2").reshape(len(flat), bins).astype(np.uint16)


def refresh(con, settings: Settings = DEFAULT, *, incremental: bool = False) -> dict:
    """Detect duplicates in the database behind ``con`` and store the results.

    Full (default): every post against every other (through LSH, never all pairs);
    replaces pairs, clusters and the incremental state.  ``incremental=True``: only
    posts that are new or changed since the last run are compared against the rest
    (falls back to a full run when there is no compatible earlier run).  Verdicts
    are never touched.  Returns the run's summary.
    """
    t0 = time.perf_counter()
    started = dt.datetime.now()
    run_id = int(_scalar(con, "duplicates/next_run_id"))
    last_full = queries.run(con, "duplicates/last_full_run").fetchall()
    if incremental and last_full and json.loads(last_full[0][1]) == _engine_settings(settings):
        summary = _refresh_incremental(con, settings, run_id)
    else:
        summary = _refresh_full(con, settings, run_id)
    summary["clusters"] = rebuild_clusters(con, settings.threshold, run_id)
    summary["seconds"] = round(time.perf_counter() - t0, 3)
    run = pd.DataFrame([{
        "run_id": run_id, "mode": summary["mode"], "started_at": started, "finished_at": dt.datetime.now(),
        "posts": summary.get("posts"), "compared": summary.get("compared"),
        "candidates": summary.get("lsh_candidates"), "verified": summary.get("verified"),
        "pairs": summary.get("stored_pairs"), "clusters": summary["clusters"],
        "threshold": float(settings.threshold), "floor": float(settings.floor),
        "seconds": summary["seconds"], "settings": json.dumps(_engine_settings(settings), sort_keys=True),
    }])
    _insert(con, "duplicates/insert_run", "dup_run", run)
    summary["run_id"] = run_id
    return summary


def _engine_settings(settings: Settings) -> dict:
    """The settings that shape signatures and pairs (an incremental run must match them)."""
    d = asdict(settings)
    for k in ("threshold", "chunk_rows", "verify_chunk"):
        d.pop(k, None)
    return d


def _store_posts(con, corpus: _Corpus, idx: np.ndarray, run_id: int, settings: Settings) -> None:
    ids = corpus.post_id.take(pa.array(idx))
    con.register("dup_ids", pa.table({"post_id": ids, "ord": pa.array(np.arange(len(idx)))}))
    try:
        hashes = _relation(con, "duplicates/article_hashes").to_arrow_table()
    finally:
        con.unregister("dup_ids")
    hashes = hashes.take(pa.array(np.argsort(hashes.column("ord").to_numpy())))
    state = pa.table({"post_id": ids, "article_hash": hashes.column("article_hash"),
                      "article_key": pa.array(corpus.article_key[idx]),
                      "title_key": pa.array(corpus.title_key[idx]),
                      "run_id": pa.array(np.full(len(idx), run_id, np.int64))})
    _insert(con, "duplicates/insert_state", "dup_state", state)
    _insert(con, "duplicates/insert_signatures", "dup_signatures", _signature_rows(ids, corpus.sig[idx]))


def _store_pairs(con, pairs: pd.DataFrame, run_id: int) -> None:
    if len(pairs):
        _insert(con, "duplicates/insert_pairs", "dup_pairs", pairs.assign(run_id=run_id))


def _refresh_full(con, settings: Settings, run_id: int) -> dict:
    res = find_pairs(con, settings, keep_keys=True)
    stats = res.stats
    corpus = stats.pop("_corpus", None)
    template = stats.pop("_template", np.zeros(0, np.uint64))
    con.execute("BEGIN TRANSACTION")
    try:
        queries.run(con, "duplicates/clear_all")
        _store_pairs(con, res.pairs, run_id)
        if corpus is not None and len(corpus.post_id):
            _store_posts(con, corpus, np.arange(len(corpus.post_id)), run_id, settings)
        _insert(con, "duplicates/insert_template", "dup_template", pa.table({"shingle": pa.array(template)}))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return dict(stats, mode="full", compared=stats.get("posts", 0), stored_pairs=len(res.pairs))


def _refresh_incremental(con, settings: Settings, run_id: int) -> dict:
    t0 = time.perf_counter()
    stats: dict = {"mode": "incremental"}
    stats["posts"] = int(_scalar(con, "duplicates/post_count"))
    changed = _relation(con, "duplicates/changed_posts").to_arrow_table().column("post_id")
    removed = _relation(con, "duplicates/removed_posts").to_arrow_table().column("post_id")
    stats["compared"] = len(changed)
    stats["removed"] = len(removed)
    template = _relation(con, "duplicates/template").to_arrow_table().column("shingle").to_numpy().astype(np.uint64)
    pairs = _empty_pairs()
    new = None
    if len(changed):
        new = _corpus_of(con, changed, template, settings)
        new_posts = pa.table({"post_id": new.post_id, "article_key": pa.array(new.article_key),
                              "title_key": pa.array(new.title_key)})
        con.register("dup_new_posts", new_posts)
        try:
            related = _relation(con, "duplicates/related_posts").to_arrow_table().column("post_id")
            stored = _relation(con, "duplicates/stored_signatures").to_arrow_table()
        finally:
            con.unregister("dup_new_posts")
        # unchanged posts that share an LSH bucket with a changed one
        old_sig = _signature_matrix(stored.column("sig"), settings.bins)
        both_sig = np.concatenate([old_sig, new.sig])
        focus = np.zeros(len(both_sig), dtype=bool)
        focus[len(old_sig):] = True
        ca, cb, _ = lsh_candidates(both_sig, settings, focus=focus)
        near = np.unique(np.concatenate([ca[ca < len(old_sig)], cb[cb < len(old_sig)]]))
        lsh_related = stored.column("post_id").combine_chunks().take(pa.array(near)).cast(pa.string())
        ids = pa.concat_arrays([related.combine_chunks().cast(pa.string()), lsh_related])
        ids = pc.unique(ids)
        stats["related"] = len(ids)
        both = pa.concat_arrays([new.post_id, ids]) if len(ids) else new.post_id
        corpus = _corpus_of(con, both, template, settings)
        focus = np.zeros(len(corpus.post_id), dtype=bool)
        focus[: len(new.post_id)] = True
        res = _pairs_from_corpus(con, corpus, settings, stats, focus=focus)
        pairs = res.pairs
    forget = pa.table({"post_id": pa.concat_arrays(
        [changed.combine_chunks().cast(pa.string()), removed.combine_chunks().cast(pa.string())])})
    con.execute("BEGIN TRANSACTION")
    try:
        _insert(con, "duplicates/forget_posts", "dup_forget", forget)
        _store_pairs(con, pairs, run_id)
        if new is not None:
            _store_posts(con, new, np.arange(len(new.post_id)), run_id, settings)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    stats["stored_pairs"] = len(pairs)
    stats["t_incremental"] = round(time.perf_counter() - t0, 3)
    return stats


def _corpus_of(con, post_ids: pa.Array, template: np.ndarray, settings: Settings) -> _Corpus:
    """Pass 1 restricted to ``post_ids``."""
    corpus = _Corpus()
    if isinstance(post_ids, pa.ChunkedArray):
        post_ids = post_ids.combine_chunks()
    wanted = pa.table({"post_id": post_ids.cast(pa.string()), "ord": pa.array(np.arange(len(post_ids)))})
    con.register("dup_wanted", wanted)
    try:
        tbl = _relation(con, "duplicates/posts_wanted_ids").to_arrow_table()
    finally:
        con.unregister("dup_wanted")
    for batch in tbl.to_batches(settings.chunk_rows):
        corpus.add(batch, template, settings)
    return corpus.finish()


# --------------------------------------------------------------------------------------
# verdicts and exports
# --------------------------------------------------------------------------------------

def record_verdict(con, verdict: str, post_id_a: str, post_id_b: str | None = None, *,
                   editor: str, note: str | None = None, when: dt.datetime | None = None,
                   threshold: float | None = None) -> int:
    """Record an editor's verdict and refresh the clusters; returns the verdict id.

    ``not_duplicate`` / ``duplicate``: about the pair (order of the ids does not
    matter).  ``canonical``: ``post_id_a`` is the post to keep in its cluster.
    """
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {VERDICTS}")
    if not editor or not str(editor).strip():
        raise ValueError("an editor name is required")
    if verdict != "canonical":
        if not post_id_b:
            raise ValueError("a pair verdict needs two posts")
        post_id_a, post_id_b = sorted((post_id_a, post_id_b))
    vid = int(_scalar(con, "duplicates/next_verdict_id"))
    queries.run(con, "duplicates/insert_verdict", verdict_id=vid, verdict=verdict, post_id_a=post_id_a,
                post_id_b=post_id_b, editor=str(editor).strip(), decided_at=when or dt.datetime.now(), note=note)
    latest = queries.run(con, "duplicates/latest_run").df()
    if threshold is None:
        threshold = float(latest["threshold"].iloc[0]) if len(latest) else DEFAULT.threshold
    run_id = int(latest["run_id"].iloc[0]) if len(latest) else 0
    rebuild_clusters(con, threshold, run_id)
    return vid


def export_csv(con, path, threshold: float = DEFAULT.threshold) -> int:
    """Write duplicate pairs at/above ``threshold`` to CSV (post_id_a, post_id_b, similarity, ...) with the
    exports' writer (formula-like cells neutralised)."""
    from . import export
    return export.copy(con, queries.statement("duplicates/pairs_csv", {"threshold": threshold}), path, "csv")


# --------------------------------------------------------------------------------------
# what the page shows
# --------------------------------------------------------------------------------------

def word_diff(text_a: str, text_b: str) -> tuple[str, str, str]:
    """Plain-text views of two posts' differences (safe to show: no markup is produced).

    Returns (a with removed words as ``[-word-]``, b with added words as ``{+word+}``,
    a line-level unified diff).
    """
    import difflib

    ta, tb = (text_a or "").split(" "), (text_b or "").split(" ")
    left, right = [], []
    sm = difflib.SequenceMatcher(a=ta, b=tb, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            left.extend(ta[i1:i2])
            right.extend(tb[j1:j2])
            continue
        if i2 > i1:
            left.append("[-" + " ".join(ta[i1:i2]) + "-]")
        if j2 > j1:
            right.append("{+" + " ".join(tb[j1:j2]) + "+}")
    unified = "\n".join(difflib.unified_diff((text_a or "").splitlines(), (text_b or "").splitlines(),
                                             "a", "b", lineterm="", n=1))
    return " ".join(left), " ".join(right), unified


def pair_view(title_a, body_a, title_b, body_b) -> dict:
    """Everything the side-by-side view needs for one pair: similarity and plain-text diffs."""
    na, nb = normalise(title_a, body_a), normalise(title_b, body_b)
    left, right, _ = word_diff(na, nb)
    raw_a = f"{title_a or ''}\n\n{body_a or ''}"
    raw_b = f"{title_b or ''}\n\n{body_b or ''}"
    _, _, unified = word_diff(raw_a, raw_b)
    return {"similarity": round(similarity(na, nb), 2), "left": left, "right": right, "unified": unified}


def clusters_at(edges: pd.DataFrame, members: pd.DataFrame, confirmed: dict | None = None) -> pd.DataFrame:
    """Clusters for the page at any threshold: :func:`build_clusters` plus titles and sites."""
    cl = build_clusters(edges, members[["post_id", "score_quality", "score_freshness", "view_count"]], confirmed)
    return cl.merge(members[["post_id", "site", "title", "status", "score_quality", "score_freshness",
                             "view_count"]], on="post_id", how="left")


@hooks.after_import(order=20)
def after_import(con, batch_id: int | None = None, settings: Settings = DEFAULT) -> dict | None:
    """Import hook: compare the new and changed posts, when duplicate detection has run before.

    Does nothing on a database where ``copydesk duplicates`` never ran (the first run
    is a deliberate full one).  An after-import stage (``copydesk.hooks``).
    """
    if not queries.run(con, "duplicates/last_full_run").fetchall():
        return None
    return refresh(con, settings, incremental=True)
