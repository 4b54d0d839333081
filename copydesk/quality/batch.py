"""Per-post signals of a whole chunk of bodies at once, with Arrow kernels and numpy.

The definitions are those of :mod:`copydesk.quality.text` (its docstring; README "Quality
signals"); this module is how they are computed.  Instead of walking each body in Python,
a chunk's bodies are cut into blocks, lines, sentences and tokens over the whole chunk, by
``pyarrow.compute`` kernels (splits, dictionary encodings) and by numpy passes over the
strings' UTF-8 bytes (which whitespace, which lines are bullets, where sentences end: a few
comparisons per byte, where a regular expression costs several times more), and counted with
``numpy.bincount`` over the parent indices.  Each distinct block and each distinct sentence of
the chunk is read once (a templated corpus repeats them: see :class:`Chunk`).  Python only sees
what cannot be vectorised, and the rare strings a byte-level rule does not cover (each such
function says which):

* the distinct tokens of the chunk (a dictionary encoding), looked up in the per-token
  syllable cache of :mod:`copydesk.quality.text` (corpora repeat words: a chunk of 1,000
  posts has ~265k tokens but a few thousand distinct ones, and most are cached already);
* the distinct prose sentences' hashes (:func:`copydesk.quality.text.sentence_hash` of the
  lower-cased text): one call per sentence on its bytes, lower-cased with numpy; those with a
  character ``str.lower`` changes beyond ASCII lower-cased in Python;
* each new character (code point) met, once per process, for the per-character tables (has it a
  case; is it a letter or digit);
* the checklist comparison, for the posts that have a meta checklist.

Sentences and, where they can be, other substrings are zero-copy views of the bytes they are in
(offsets into the same buffer), not copies.

Whitespace is Python's (``str.isspace``) everywhere (spelt out as an RE2 class and as its UTF-8
byte sequences), so the blocks, words and sentences are the same as ``str.split`` would give.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from xxhash import xxh3_64_intdigest as _xxh3

from ..arrays import offsets as offsets_of, ranges
from . import text

_SPACE_CHARS = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
# Every whitespace character but the line feed reads as a space (str.split and the block rules
# treat them alike), so a body holding another one (rare) is translated to spaces first and the
# kernels below only deal with " " and "\n".
_ODD_SPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _SPACE_CHARS if c not in " \n") + "]"
# The UTF-8 encodings of those characters (one to three bytes), by length, as big-endian integers: the
# rows holding one are found in the bodies' bytes with numpy (_odd_space_rows), not with RE2's
# character class over every body (several times slower).
_ODD_BYTES = [np.array(sorted({int.from_bytes(c.encode(), "big") for c in _SPACE_CHARS
                               if c not in " \n" and len(c.encode()) == k}), np.int64) for k in (1, 2, 3)]
assert max(len(c.encode()) for c in _SPACE_CHARS) == 3
_BLOCK_BREAK = "\n *\n"
# what _Lines reads on the bytes of each line (tests/test_quality_batch.py compares them)
_BULLET = "^ *(?:[•*-]|[0-9]+[.)])"
_IS_BULLET = _BULLET + "(?: |$)"
_ENDS_HEADING = "[.!?:;] *$"
_SHIFT = text._SHIFT
_SYLLABLES = text._SYLLABLES


def _utf8(a: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(UTF-8 bytes, offsets from 0) of a large_string array without NULL, zero-copy."""
    offsets = np.frombuffer(a.buffers()[1], np.int64, len(a) + 1, a.offset * 8)
    start, size = int(offsets[0]), int(offsets[-1] - offsets[0])
    data = np.frombuffer(a.buffers()[2], np.uint8, size, start) if size else np.zeros(0, np.uint8)
    return data, offsets - start


def _row_of(offsets: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The row of each byte position of ``at``."""
    return np.searchsorted(offsets, at, "right") - 1


def _row_of_sorted(offsets: np.ndarray, at: np.ndarray) -> np.ndarray:
    """:func:`_row_of` of sorted positions: where there are more positions than rows, the rows' starts
    are looked up among the positions instead (numpy's binary search costs per value looked up)."""
    if len(at) <= 2 * len(offsets):
        return _row_of(offsets, at)
    return np.repeat(np.arange(len(offsets) - 1), np.diff(np.searchsorted(at, offsets, "left")))


# A sentence ends at a terminator (. ! ?), optionally followed by one closing quote or bracket, then
# whitespace (text._mark_sentence_ends, on the collapsed text)
_TERMINATORS = b".?!"
_CLOSER_BYTES = [c.encode() for c in text._CLOSERS]


def _unique(x: np.ndarray) -> np.ndarray:
    """``np.unique`` of an integer array (its distinct values, sorted) by a sort and one comparison:
    numpy 2.4's ``np.unique`` hashes the values first, twenty times slower on 20k of them."""
    x = np.sort(x)
    return x[np.concatenate([[True], x[1:] != x[:-1]])] if len(x) else x


def _mask(size: int) -> np.ndarray:
    """A bool buffer for ``size`` values, padded to a multiple of 8 with False (for :func:`_nonzero`);
    not zeroed (each use writes its first ``size`` values), which spares the page faults of fresh
    zeroed memory."""
    mask = np.empty(-size % 8 + size, bool)
    mask[size:] = False
    return mask


def _nonzero(mask: np.ndarray) -> np.ndarray:
    """``np.flatnonzero(mask)`` of a bool array whose length is a multiple of 8, several times faster
    when few are true: the 8-byte words holding one are found first."""
    words = mask.view(np.uint64)
    hit = np.flatnonzero(words != 0)
    i = np.flatnonzero(words[hit].view(bool))
    return hit[i >> 3] * 8 + (i & 7)


def _sentence_pieces(a: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(the sentences of the strings of ``a`` (large_string, whitespace " " and "\n") as raw pieces,
    and the string of each): zero-copy views of ``a``'s bytes, cut where a sentence ends (where
    ``text.sentences_of`` cuts: a terminator, optionally one closer, then whitespace) after the
    whitespace that follows it, unless only whitespace follows.  ``" ".join(piece.split())`` of each
    piece (:func:`_collapsed`) is that sentence; a string is one piece or more, an empty one too."""
    data, offsets = _utf8(a)
    size, n = len(data), len(a)
    base = int(np.frombuffer(a.buffers()[1], np.int64, 1, a.offset * 8)[0]) if n else 0
    cuts = row = np.zeros(0, np.int64)
    if size > 1:
        found = _mask(size)
        other = np.empty(size, bool)
        first, *more = _TERMINATORS
        np.equal(data, np.uint8(first), out=found[:size])
        for byte in more:
            np.logical_or(found[:size], np.equal(data, np.uint8(byte), out=other), out=found[:size])
        t = _nonzero(found)
        row = _row_of_sorted(offsets, t)
        row_end = offsets[1:][row]
        # the whitespace ending the sentence: right after the terminator, or after one closer
        nxt = data[np.minimum(t + 1, size - 1)]
        space = (t + 1 < row_end) & _isin(nxt, b" \n")
        at, at_row = [t[space] + 1], [row[space]]
        lead = _isin(nxt, bytes({c[0] for c in _CLOSER_BYTES}))
        if lead.any():
            t, row, row_end = t[lead], row[lead], row_end[lead]
            for closer in _CLOSER_BYTES:
                k = len(closer)
                hit = t + k + 1 < row_end
                for j in range(k):
                    hit &= data[np.minimum(t + 1 + j, size - 1)] == closer[j]
                hit &= _isin(data[np.minimum(t + k + 1, size - 1)], b" \n")
                at.append(t[hit] + k + 1)
                at_row.append(row[hit])
        at, row = np.concatenate(at), np.concatenate(at_row)
        stop = offsets[1:][row]
        cuts = _skip(data, at, stop, b" \n")
        inside = cuts < stop
        cuts, row = cuts[inside], row[inside]
    bounds = np.concatenate([offsets, cuts])
    bounds.sort(kind="stable")
    string_of = np.repeat(np.arange(n), np.bincount(row, minlength=n) + 1)
    pieces = pa.LargeStringArray.from_buffers(len(bounds) - 1, pa.py_buffer(bounds + base),
                                              a.buffers()[2] if size else pa.py_buffer(b""))
    return pieces, string_of


def _collapsed(a: pa.Array) -> pa.Array:
    """``" ".join(s.split())`` of every string ``s`` of ``a`` (large_string, whitespace " " and "\n"):
    trailing whitespace trimmed by a kernel; the rare strings with whitespace at the start, a line
    feed or two spaces in a row before their end in Python."""
    trimmed = pc.utf8_rtrim(a, " \n")
    data, offsets = _utf8(a)
    size = len(data)
    if not size:
        return trimmed
    _, kept = _utf8(trimmed)
    starts = offsets[:-1]
    end = starts + np.diff(kept)                          # each string's end once trimmed
    odd = _mask(size)
    space = np.empty(size, bool)
    np.equal(data, np.uint8(0x20), out=space)
    np.logical_and(space[:-1], space[1:], out=odd[:size - 1])
    odd[size - 1] = False
    odd[:size] |= np.equal(data, np.uint8(0x0A), out=space)
    at = _nonzero(odd)
    rows = _row_of_sorted(offsets, at)
    rows = rows[at < end[rows]]
    lead = np.flatnonzero(end > starts)
    lead = lead[data[starts[lead]] == 0x20]
    rows = _unique(np.concatenate([rows, lead]))
    if not len(rows):
        return trimmed
    fixed = [" ".join(v.split()) for v in pc.take(a, pa.array(rows)).to_pylist()]
    return _replaced(trimmed, rows, pa.array(fixed, pa.large_string()))


class _CharTable:
    """A property of characters, as a table by code point: each code point met is read by ``rule``
    in Python once, then looked up for whole arrays of code points."""

    def __init__(self, rule):
        self.rule = rule
        self.known = np.full(0x110000, -1, np.int8)

    def __call__(self, code_points: np.ndarray) -> np.ndarray:
        found = self.known[code_points]
        new = code_points[found < 0]
        if len(new):
            for c in _unique(new).tolist():
                self.known[c] = bool(self.rule(chr(c)))
            found = self.known[code_points]
        return found.astype(bool)


_CASELESS = _CharTable(lambda c: c.lower() == c)               # str.lower leaves it as it is
_ALNUM = _CharTable(lambda c: text._HAS_ALNUM.search(c))        # a letter or digit (text's rule for a word)


def _leads(data: np.ndarray) -> np.ndarray:
    """The positions of the first bytes of the multi-byte characters of UTF-8 ``data``."""
    size = len(data)
    lead = _mask(size)
    np.greater_equal(data, np.uint8(0xC0), out=lead[:size])
    return _nonzero(lead)


def _code_points(data: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The code point of the character of valid UTF-8 ``data`` whose first byte (from 0xc0) is at
    each position of ``at``."""
    last = len(data) - 1
    b0 = data[at].astype(np.int64)
    b1, b2, b3 = (data[np.minimum(at + k, last)].astype(np.int64) & 0x3F for k in (1, 2, 3))
    return np.where(b0 < 0xE0, (b0 & 0x1F) << 6 | b1,
                    np.where(b0 < 0xF0, (b0 & 0x0F) << 12 | b1 << 6 | b2, (b0 & 0x07) << 18 | b1 << 12 | b2 << 6 | b3))


def _has_alnum(data: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whether each token ``data[start:end]`` (UTF-8) holds a letter or digit (``text._HAS_ALNUM``):
    an ASCII one, or a multi-byte character that is one (:data:`_ALNUM`)."""
    length = end - start
    at = ranges(start, length)
    token = np.repeat(np.arange(len(start)), length)
    b = data[at]
    hit = ((b | np.uint8(0x20)) - np.uint8(ord("a")) < 26) | (b - np.uint8(ord("0")) < 10)
    lead = np.flatnonzero(b >= 0xC0)
    hit[lead] = _ALNUM(_code_points(data, at[lead]))
    return np.bincount(token[hit], minlength=len(start)) > 0


def _word_counts(a: pa.Array) -> np.ndarray:
    """The words of each string of ``a`` (large_string, whitespace " " and "\n"): its tokens with a
    letter or digit (``text._HAS_ALNUM``), read from the UTF-8 bytes with numpy.  A token starting
    with an ASCII letter or digit is a word; the others ("•", "—", "(see", "é") are read byte by byte
    (:func:`_has_alnum`)."""
    data, offsets = _utf8(a)
    size = len(data)
    if not size:
        return np.zeros(len(a), np.int64)
    solid = (data != 0x20) & (data != 0x0A)
    # a token's first byte: solid, first in its string or after whitespace
    starts = offsets[:-1][offsets[:-1] < offsets[1:]]
    first = solid.copy()
    first[1:] &= ~solid[:-1]
    first[starts] = solid[starts]
    start = np.flatnonzero(first)
    lead = data[start]
    word = (lead | np.uint8(0x20)) - np.uint8(ord("a")) < 26
    word |= lead - np.uint8(ord("0")) < 10
    other = np.flatnonzero(~word)
    if len(other):
        begin = start[other]
        stop = offsets[1:][_row_of(offsets, begin)]
        word[other] = _has_alnum(data, begin, _skip(data, begin, stop, _SOLID))   # each to the next whitespace
    return np.bincount(_row_of_sorted(offsets, start[word]), minlength=len(a)).astype(np.int64, copy=False)


def _substrings(data: np.ndarray, start: np.ndarray, end: np.ndarray) -> pa.Array:
    """The strings ``data[start:end]`` (UTF-8 bytes cut at character boundaries) as a large_string array.

    When they follow each other in ``data`` (the usual case: lines, tokens in order), ``data`` is cut
    into them and the gaps between them (zero-copy views), and they are taken from those by a kernel;
    else their bytes are gathered with numpy."""
    n = len(start)
    length = np.maximum(end - start, 0)
    stop = start + length
    if n and start[0] >= 0 and stop[-1] <= len(data) and np.all(start[1:] >= stop[:-1]):
        bounds = np.empty(2 * n + 1, np.int64)
        bounds[0] = 0
        bounds[1::2], bounds[2::2] = start, stop
        views = pa.LargeStringArray.from_buffers(2 * n, pa.py_buffer(bounds), pa.py_buffer(data))
        return pc.take(views, pa.array(np.arange(1, 2 * n, 2)))
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets_of(length)),
                                            pa.py_buffer(data[ranges(start, length)]))


def _is_word(token: str) -> int:
    return text._WORD if text._HAS_ALNUM.search(token) else 0


def _token_values(tokens: pa.Array, syllables: bool = True, trim: bool = False) -> np.ndarray:
    """For each token: ``text._WORD`` + syllables when it is a word, else 0 (int64); without
    ``syllables`` only ``text._WORD`` for a word (no dictionary needed).  With ``trim`` the tokens
    carry the space that follows them (:func:`_spaced_tokens`): each distinct one is read without it."""
    if not len(tokens):
        return np.zeros(0, np.int64)
    enc = pc.dictionary_encode(tokens)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    value = text._token_value if syllables else _is_word
    dictionary = (pc.utf8_rtrim(enc.dictionary, " ") if trim else enc.dictionary).to_pylist()
    if syllables:
        text.prime(dictionary)          # the tokens new to this process, looked up together
    values = np.fromiter(map(value, dictionary), np.int64, len(dictionary))
    return values[enc.indices.to_numpy(zero_copy_only=False)]


def _spaced_tokens(a: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(the tokens of the strings of ``a`` (large_string), each with the space that follows it, and
    the string of each): zero-copy views of ``a``'s bytes cut at each string's start and after each
    space.  On single-spaced strings these are ``split_pattern(a, " ")``'s tokens plus their space
    (which copies every token); a space too many only adds a token " " (no word either)."""
    data, offsets = _utf8(a)
    after = np.flatnonzero(data == 0x20) + 1
    at = np.searchsorted(after, offsets, "right")
    cuts = np.insert(after, at, offsets)
    string_of = np.repeat(np.arange(len(a)), np.diff(at + np.arange(len(offsets))))
    base = int(np.frombuffer(a.buffers()[1], np.int64, 1, a.offset * 8)[0])
    tokens = pa.LargeStringArray.from_buffers(len(cuts) - 1, pa.py_buffer(cuts + base),
                                              a.buffers()[2] if len(data) else pa.py_buffer(b""))
    return tokens, string_of


def _lower_hashes(a: pa.Array) -> np.ndarray:
    """``text.sentence_hash(s.lower())`` of every string ``s`` of ``a`` (large_string, no NULL), as
    uint64.  A string is lower-cased on its UTF-8 bytes with numpy (A-Z only: what ``str.lower`` does
    to ASCII) and its bytes hashed without a ``str`` being made, unless it holds a character that
    ``str.lower`` changes beyond ASCII (accented capitals, Greek: rules of its own): those in Python.
    Dashes, arrows and curly quotes have no case."""
    n = len(a)
    if not n:
        return np.zeros(0, np.uint64)
    data, offsets = _utf8(a)
    upper = (data - np.uint8(ord("A"))) < 26
    low = np.bitwise_or(data, upper.view(np.uint8) << 5)      # "A"-"Z" + 0x20 = "a"-"z"
    lowered = pa.Array.from_buffers(pa.large_binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(low)])
    hashes = np.fromiter(map(_xxh3, lowered.to_pylist()), np.uint64, n)
    lead = _leads(data)
    other = _unique(_row_of_sorted(offsets, lead[~_CASELESS(_code_points(data, lead))]))
    if len(other):
        hashes[other] = [text.sentence_hash(s.lower()) for s in pc.take(a, pa.array(other)).to_pylist()]
    return hashes


def _counts(parents: np.ndarray, n: int, weights=None) -> np.ndarray:
    if weights is None:
        return np.bincount(parents, minlength=n).astype(np.int64, copy=False)
    return np.bincount(parents, weights=weights, minlength=n).astype(np.int64)


def _round2(x: np.ndarray) -> np.ndarray:
    """``round(v, 2)`` of every float: the nearest float to the correctly rounded hundredths (Python
    rounds the exact binary value, ties to even).  ``rint(v * 100) / 100`` is that unless the
    product's rounding error can have crossed a half (it is then near one): those few in Python."""
    scaled = x * 100
    out = np.rint(scaled) / 100
    with np.errstate(invalid="ignore"):
        near = np.flatnonzero(~(np.abs(scaled - np.floor(scaled) - 0.5) > 1e-6 * np.maximum(np.abs(scaled), 1)))
    if len(near):
        out[near] = [round(v, 2) for v in x[near].tolist()]
    return out


def _parents(lists) -> np.ndarray:
    return pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)


def _distinct(strings: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(the distinct strings, in order of first appearance; for each string, its number among them)."""
    enc = pc.dictionary_encode(strings)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    return enc.dictionary, enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)


def _prepared(bodies) -> pa.Array:
    """Bodies as one large_string array, NULL as "", every whitespace but the line feed a space, and
    every block break ("\n", spaces, "\n") "\n\n": the blocks are ``pc.split_pattern(bodies, "\n\n")``.

    Only the rare bodies with another whitespace character or a space before a line feed change.
    Replacing each leftmost block break by "\n\n" then splitting at "\n\n" gives the pieces the
    break's regular expression splits into (no piece holds "\n\n" or ends with "\n", else the
    expression would have matched there first)."""
    if not isinstance(bodies, (pa.Array, pa.ChunkedArray)):
        bodies = pa.array(bodies, pa.large_string())
    bodies = _one_chunk(bodies)
    bodies = pc.fill_null(bodies.cast(pa.large_string()), "")
    data, offsets = _utf8(bodies)
    rows = _unique(np.concatenate([_odd_space_rows(data, offsets), _space_newline_rows(data, offsets)]))
    if not len(rows):
        return bodies
    # those rows: "\r\n" and "\r" as "\n", then the others as " " (str.translate would read them a
    # character at a time in Python), then the block breaks
    odd = pc.replace_substring(pc.replace_substring(pc.take(bodies, pa.array(rows)), "\r\n", "\n"), "\r", "\n")
    odd = pc.replace_substring_regex(pc.replace_substring_regex(odd, _ODD_SPACE, " "), _BLOCK_BREAK, "\n\n")
    return _replaced(bodies, rows, odd)


def _one_chunk(a):
    """An array of a chunked array (its one chunk as it is: ``combine_chunks`` would copy it)."""
    if isinstance(a, pa.ChunkedArray):
        return a.chunk(0) if a.num_chunks == 1 else a.combine_chunks()
    return a


def _replaced(a: pa.Array, rows: np.ndarray, values: pa.Array) -> pa.Array:
    """``a`` (large_string) with its strings at ``rows`` (sorted, distinct) replaced by ``values``: the
    bytes between them copied in one concatenation (``pc.replace_with_mask`` is several times slower
    on a few rows; on many it is used)."""
    if len(rows) > 64 + len(a) // 16:
        mask = np.zeros(len(a), bool)
        mask[rows] = True
        return pc.replace_with_mask(a, pa.array(mask), values.cast(pa.large_string()))
    data, offsets = _utf8(a)
    new_data, new_offsets = _utf8(values.cast(pa.large_string()))
    lengths = np.diff(offsets)
    lengths[rows] = np.diff(new_offsets)
    pieces, at = [], 0
    for i, row in enumerate(rows.tolist()):
        pieces += [data[at:offsets[row]], new_data[new_offsets[i]:new_offsets[i + 1]]]
        at = offsets[row + 1]
    pieces.append(data[at:])
    return pa.LargeStringArray.from_buffers(len(a), pa.py_buffer(offsets_of(lengths)),
                                            pa.py_buffer(np.concatenate(pieces)))


def _space_newline_rows(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The rows whose bytes hold " \n" (two byte pairs at a time: at even, then at odd positions)."""
    half = (len(data) - 1) // 2
    if half <= 0:
        return np.zeros(0, np.int64)
    found = _mask(half)
    at_odd = _mask(half)
    pair = np.uint16(int.from_bytes(b" \n", "little"))
    np.equal(data[:2 * half].view(np.uint16), pair, out=found[:half])
    np.equal(data[1:2 * half + 1].view(np.uint16), pair, out=at_odd[:half])
    at = np.concatenate([_nonzero(found) * 2, _nonzero(at_odd) * 2 + 1])
    return _unique(_row_of(offsets, at))


def _odd_space_rows(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The rows of a string array (its ``_utf8``) holding a whitespace character other than " " and
    "\n" (those ``pc.match_substring_regex(a, _ODD_SPACE)`` finds), read from its UTF-8 bytes in a
    few vectorised passes (four times faster than RE2's character class): the bytes that may start
    one (below 0x20 but "\n", or a lead byte), then the one to three bytes from each looked up."""
    size = len(data)
    if not size:
        return np.zeros(0, np.int64)
    # (byte ^ 0x15) + 0x3e (modulo 256) is below 0x5d for a byte below 0x20 but "\n" (0x0a -> 0x5d)
    # and for a lead byte (from 0xc0) but 0xd4 and 0xd5 (no whitespace starts with those): the xor
    # keeps 0xc0-0xff among themselves and 0x00-0x1f too, the addition puts 0xc2-0xff (after the
    # xor) at 0x00-0x3d and 0x00-0x1f at 0x3e-0x5d.  In place, in one buffer padded to 8 bytes.
    maybe = np.empty(-size % 8 + size, np.uint8)
    np.bitwise_xor(data, np.uint8(0x15), out=maybe[:size])
    np.add(maybe[:size], np.uint8(0x3e), out=maybe[:size])
    maybe[size:] = 0xff
    np.less(maybe, np.uint8(0x5d), out=maybe.view(bool))
    at = _nonzero(maybe.view(bool))
    code = data[at].astype(np.int64)
    for k in (1, 2):
        code <<= 8
        code |= np.where(at + k < size, data[np.minimum(at + k, size - 1)], 0)
    odd = np.zeros(len(at), bool)
    for k, codes in enumerate(_ODD_BYTES, 1):
        prefix = code >> (8 * (3 - k))
        odd |= codes[np.minimum(np.searchsorted(codes, prefix), len(codes) - 1)] == prefix
    return _unique(_row_of_sorted(offsets, at[odd]))


_DIGITS = b"0123456789"
_SOLID = b"not whitespace"          # (for _skip: every byte but " " and "\n")
_RUNS = {b" ": re.compile(rb" *"), b" \n": re.compile(rb"[ \n]*"), _DIGITS: re.compile(rb"[0-9]*"),
         _SOLID: re.compile(rb"[^ \n]*")}


def _skip(data: np.ndarray, pos: np.ndarray, stop: np.ndarray, run: bytes) -> np.ndarray:
    """Each position of ``pos`` moved forward over the bytes of ``run`` (b" ", b" \n", b"0123456789" or
    :data:`_SOLID`: all but those two), not beyond ``stop``: a few vectorised steps, then the long
    runs (deep indentation, long tokens) in Python."""
    pos = pos.copy()
    todo = np.flatnonzero(pos < stop)
    for _ in range(4):
        if not len(todo):
            return pos
        at = data[pos[todo]]
        if run == _DIGITS:
            hit = (at >= run[0]) & (at <= run[-1])
        elif run == _SOLID:
            hit = ~_isin(at, b" \n")
        else:
            hit = _isin(at, run)
        todo = todo[hit]
        pos[todo] += 1
        todo = todo[pos[todo] < stop[todo]]
    pattern = _RUNS[run]
    for i in todo.tolist():
        pos[i] += pattern.match(data[pos[i]:stop[i]].tobytes()).end()
    return pos


def _skip_back(data: np.ndarray, end: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Each end of ``end`` moved back over spaces, not below ``start``."""
    end = end.copy()
    todo = np.flatnonzero(end > start)
    for _ in range(4):
        if not len(todo):
            return end
        todo = todo[data[end[todo] - 1] == 0x20]
        end[todo] -= 1
        todo = todo[end[todo] > start[todo]]
    for i in todo.tolist():
        end[i] = start[i] + len(data[start[i]:end[i]].tobytes().rstrip(b" "))
    return end


class _Lines:
    """The non-blank lines of distinct blocks (whose whitespace is " " and "\n"), read from their
    UTF-8 bytes with numpy: for each, its block, whether it is a list item (``_IS_BULLET``: spaces,
    a bullet, then a space or the end) and whether it ends like a sentence (``_ENDS_HEADING``), and
    its item text (the bullet cut off, spaces trimmed)."""

    def __init__(self, blocks: pa.Array):
        data, offsets = _utf8(blocks)
        self.data = data
        size = len(data)
        newline = _mask(size)
        np.equal(data, np.uint8(0x0A), out=newline[:size])
        newline = _nonzero(newline)
        starts = np.sort(np.concatenate([offsets[:-1], newline + 1]), kind="stable")
        ends = np.sort(np.concatenate([newline, offsets[1:]]), kind="stable")
        first = _skip(data, starts, ends, b" ")
        keep = first < ends                                # not blank ("^ *$")
        starts, ends, first = starts[keep], ends[keep], first[keep]
        self.block = _row_of_sorted(offsets, starts)
        last = _skip_back(data, ends, first) - 1           # the last byte that is no space
        self.ends_heading = _isin(data[last], b".!?:;")
        # a bullet: one of * - (one byte) or a run of digits then . or ) (at least two), or "•"
        # (three: e2 80 a2); then a space or the end of the line
        b0 = data[first]
        after = np.where(_isin(b0, b"*-"), first + 1, -1)
        digits = _skip(data, first, ends, _DIGITS)
        numbered = (digits > first) & (digits < ends)
        numbered[numbered] = _isin(data[digits[numbered]], b".)")
        after[numbered] = digits[numbered] + 1
        dot = (b0 == 0xE2) & (first + 2 < ends)
        dot[dot] = (data[first[dot] + 1] == 0x80) & (data[first[dot] + 2] == 0xA2)
        after[dot] = first[dot] + 3
        bullet = after >= 0
        bullet[bullet] = (after[bullet] == ends[bullet]) | (data[np.minimum(after[bullet], size - 1)] == 0x20)
        self.bullet, self.after, self.last, self.ends = bullet, after, last, ends

    def items(self, which: np.ndarray) -> pa.Array:
        """The item texts of the lines ``which`` selects (list items: each has a bullet)."""
        start, end = self.after[which], self.last[which] + 1
        return _substrings(self.data, _skip(self.data, start, end, b" "), end)


def _isin(values: np.ndarray, byte_set: bytes) -> np.ndarray:
    found = values == byte_set[0]
    for b in byte_set[1:]:
        found |= values == b
    return found


def _lower(a: pa.Array) -> pa.Array:
    """``pc.utf8_lower`` of every string of ``a`` (large_string): ``pc.ascii_lower`` (the same on ASCII,
    several times faster), then the strings holding a byte from 0x80 by ``pc.utf8_lower``."""
    data, offsets = _utf8(a)
    size = len(data)
    high = _mask(size)
    np.greater_equal(data, np.uint8(0x80), out=high[:size])
    rows = _unique(_row_of_sorted(offsets, _nonzero(high)))
    low = pc.ascii_lower(a)
    return _replaced(low, rows, pc.utf8_lower(pc.take(a, pa.array(rows, pa.int64())))) if len(rows) else low


class Chunk:
    """The signals of a chunk of bodies as numpy columns (one entry per body) and lists.

    Templated corpora repeat blocks and sentences (a chunk of the synthetic corpus: half its
    blocks and six in seven of its sentences occur more than once), so each distinct block is
    read once and each distinct sentence tokenised and hashed once; the per-body figures are
    gathered from them by index."""

    def __init__(self, bodies, checklists=None, syllables: bool = True):
        self.syllables_wanted = syllables
        bodies = _prepared(bodies)
        self.n = n = len(bodies)
        self._blocks(bodies)
        self._prose()
        self._finish(checklists if checklists is not None else [None] * n)

    # --- blocks: lists, headings, prose ---------------------------------------------------------
    def _blocks(self, bodies: pa.Array) -> None:
        blocks_l = pc.split_pattern(bodies, "\n\n")
        block_post = _parents(blocks_l)
        # every block of the chunk (in order) -> its distinct text: all the reading below is per distinct block
        blocks, block_of = _distinct(pc.list_flatten(blocks_l))
        nb = len(blocks)
        lines = _Lines(blocks)
        line_block = lines.block
        n_lines = _counts(line_block, nb)
        bullets = _counts(line_block, nb, lines.bullet)
        ends = _counts(line_block, nb, lines.ends_heading)
        is_list = (n_lines > 0) & (bullets == n_lines)
        candidate = (n_lines == 1) & ~is_list & (ends == 0)
        # words of lists and heading candidates (prose words are counted per sentence)
        counted = is_list | candidate
        idx = np.flatnonzero(counted)
        words = np.zeros(nb, np.int64)
        words[idx] = _word_counts(pc.take(blocks, pa.array(idx, pa.int64())))
        heading = candidate & (words <= text.HEADING_MAX_WORDS)
        prose = (n_lines > 0) & ~is_list & ~heading
        n = self.n
        # per block of the chunk, from its distinct text
        is_list_b, heading_b, prose_b = is_list[block_of], heading[block_of], prose[block_of]
        self.word_count = _counts(block_post, n, np.where(is_list | heading, words, 0)[block_of])
        self.heading_count = _counts(block_post, n, heading_b)
        self.list_item_count = _counts(block_post, n, np.where(is_list, n_lines, 0)[block_of])
        self.paragraph_count = _counts(block_post, n, prose_b)
        self.blocks, self.prose, self.block_of, self.block_post = blocks, prose, block_of, block_post
        # list items (bullet cut off, trimmed) and whether they sit under a "checklist" heading
        list_line = is_list[line_block]
        items_d = lines.items(list_line)
        per_list = np.where(is_list, n_lines, 0)
        first_item = np.concatenate([[0], np.cumsum(per_list)])[:-1] if nb else np.zeros(0, np.int64)
        b_items = per_list[block_of]
        self.items = pc.take(items_d, pa.array(ranges(first_item[block_of], b_items), pa.int64()))
        self.item_post = np.repeat(block_post, b_items)
        is_checklist = np.zeros(nb, bool)
        heading_idx = np.flatnonzero(heading)
        if len(heading_idx):
            names = pc.utf8_lower(pc.take(blocks, pa.array(heading_idx, pa.int64())))
            is_checklist[heading_idx] = pc.match_substring(names, text._CHECKLIST_HEADING).to_numpy(
                zero_copy_only=False)
        nall = len(block_of)
        last = np.maximum.accumulate(np.where(heading_b, np.arange(nall), -1)) if nall else np.zeros(0, np.int64)
        first_of_post = np.searchsorted(block_post, np.arange(n), side="left")[block_post]   # (a search per post)
        under = (last >= first_of_post) & is_checklist[block_of[np.maximum(last, 0)]] if nall else np.zeros(0, bool)
        self.item_under_checklist = np.repeat(under, b_items)

    # --- sentences of the prose paragraphs -------------------------------------------------------
    def _prose(self) -> None:
        prose_idx = np.flatnonzero(self.prose)
        paragraphs = pc.take(self.blocks, pa.array(prose_idx, pa.int64()))
        pieces, sent_par = _sentence_pieces(paragraphs)
        # distinct sentences: tokenised, counted and hashed once each (the distinct pieces first, then
        # the distinct sentences they collapse to, both in order of first appearance)
        forms, form_of = _distinct(pieces)
        sentences, sentence_of = _distinct(_collapsed(forms))
        sentence_of = sentence_of[form_of]
        tokens, tok_sent = _spaced_tokens(sentences)
        values = _token_values(tokens, self.syllables_wanted, trim=True)
        nd = len(sentences)
        d_words = _counts(tok_sent, nd, values >> _SHIFT)
        d_syll = _counts(tok_sent, nd, values & _SYLLABLES)
        sent_words = d_words[sentence_of]
        real = sent_words > 0
        npar = len(prose_idx)
        # per distinct prose block, then per distinct block (0 for the others)
        nb = len(self.prose)
        par_words = np.zeros(nb, np.int64)
        par_syll = np.zeros(nb, np.int64)
        par_real = np.zeros(nb, np.int64)
        par_words[prose_idx] = _counts(sent_par, npar, sent_words)
        par_syll[prose_idx] = _counts(sent_par, npar, d_syll[sentence_of])
        par_real[prose_idx] = _counts(sent_par, npar, real)
        # the real sentences of each distinct prose block, in order, as distinct-sentence numbers
        real_of = sentence_of[real]
        first_real = np.zeros(nb, np.int64)
        first_real[prose_idx] = np.concatenate([[0], np.cumsum(par_real[prose_idx])])[:-1] if npar else 0
        block_of, post, n = self.block_of, self.block_post, self.n
        b_words, b_real = par_words[block_of], par_real[block_of]
        self.prose_words = _counts(post, n, b_words)
        self.syllables = _counts(post, n, par_syll[block_of])
        # every real sentence of the chunk, in order: the distinct sentence it is
        self.sentence_ids = real_of[ranges(first_real[block_of], b_real)]
        self.sentence_post = np.repeat(post, b_real)
        self.sentence_count = _counts(self.sentence_post, n)
        self.long_sentences = _counts(self.sentence_post, n, d_words[self.sentence_ids] > text.LONG_SENTENCE_WORDS)
        longest = np.zeros(n, np.int64)
        if len(post):
            np.maximum.at(longest, post, b_words)
        self.longest_paragraph_words = longest
        self._sentences = sentences
        used = np.zeros(nd, bool)
        used[real_of] = True
        hashes = np.zeros(nd, np.uint64)
        self._real_texts = pc.filter(sentences, pa.array(used))
        hashes[used] = _lower_hashes(self._real_texts)
        self.hashes = hashes[self.sentence_ids]
        self._real_hashes = hashes[used]
        self._distinct_hashes = hashes

    # --- per post ---------------------------------------------------------------------------------
    def _finish(self, checklists) -> None:
        self.word_count = self.word_count + self.prose_words
        s = self.sentence_count
        with np.errstate(divide="ignore", invalid="ignore"):
            self.avg_sentence_words = np.where(s > 0, self.prose_words / np.maximum(s, 1), np.nan)
            self.long_sentence_share = np.where(s > 0, self.long_sentences / np.maximum(s, 1), np.nan)
            ok = (s > 0) & (self.prose_words > 0)
            w = np.maximum(self.prose_words, 1)
            ease = 206.835 - 1.015 * w / np.maximum(s, 1) - 84.6 * self.syllables / w
            self.flesch_reading_ease = np.where(ok, _round2(ease), np.nan)
        self.sentence_offsets = np.concatenate([[0], np.cumsum(s)]).astype(np.int32)
        self._checklists(checklists)

    def _checklists(self, checklists) -> None:
        """``checklist_missing`` / ``checklist_extra`` as list arrays (null without a meta checklist):
        items compared as (post, lower-cased text) keys with one set look-up each."""
        if not isinstance(checklists, (pa.Array, pa.ChunkedArray)):
            checklists = pa.array([text._as_list(c) for c in checklists], pa.list_(pa.string()))
        checklists = _one_chunk(checklists)
        has = pc.is_valid(checklists)
        meta = pc.list_flatten(checklists)
        meta_post = _parents(checklists)
        valid = pc.is_valid(meta)
        meta = pc.utf8_trim(pc.filter(meta, valid), _SPACE_CHARS)
        meta_post = meta_post[valid.to_numpy(zero_copy_only=False)]

        # (post, lower-cased text) as one integer: the post, and the text's number among the distinct ones
        low = _lower(pa.concat_arrays([self.items.cast(pa.large_string()), meta.cast(pa.large_string())]))
        _, text_of = _distinct(low)
        width = int(text_of.max()) + 1 if len(text_of) else 1
        n_items = len(self.items)
        item_keys = pa.array(self.item_post * width + text_of[:n_items])
        meta_keys = pa.array(meta_post * width + text_of[n_items:])
        missing = pc.invert(pc.is_in(meta_keys, value_set=item_keys)).to_numpy(zero_copy_only=False)
        extra = self.item_under_checklist & ~pc.is_in(item_keys, value_set=meta_keys).to_numpy(zero_copy_only=False)
        null = pc.invert(has)

        def lists(posts, values, mask):
            offsets = np.concatenate([[0], np.cumsum(np.bincount(posts[mask], minlength=self.n))]).astype(np.int32)
            return pa.ListArray.from_arrays(pa.array(offsets), pc.filter(values, pa.array(mask)).cast(pa.string()),
                                            mask=null)
        self.missing_array = lists(meta_post, meta, missing)
        self.extra_array = lists(self.item_post, self.items, extra)

    def hashes_of(self, i: int) -> list[int]:
        o = self.sentence_offsets
        return self.hashes[o[i]:o[i + 1]].tolist()

    def hashes_distinct_first(self) -> tuple[pa.ListArray, pa.Array]:
        """``signals.distinct_first`` of the ``sentence_hashes`` column (each post's hashes with its
        distinct ones first, in the order they first occur, then the repeats in order; and how many
        are distinct), from the chunk's numbering of its sentences: each hash is numbered among the
        distinct sentences' (a dictionary encoding of a few thousand), and an occurrence is its
        post's first of that number when the previous occurrence of the number (a stable sort of
        the small numbers) lies before the post's first sentence."""
        n, post, values = self.n, self.sentence_post, self.hashes
        numbered = pc.dictionary_encode(pa.array(self._distinct_hashes, pa.uint64()))
        number = numbered.indices.to_numpy(zero_copy_only=False)[self.sentence_ids]
        if len(numbered.dictionary) <= 1 << 16:
            number = number.astype(np.uint16)               # (a radix sort)
        order = np.argsort(number, kind="stable")
        previous = np.full(len(values), -1, np.int64)
        same = number[order[1:]] == number[order[:-1]]
        previous[order[1:][same]] = order[:-1][same]
        start = self.sentence_offsets[:-1].astype(np.int64)
        first = previous < start[post]
        distinct = _counts(post[first], n)
        # each post's firsts from its start, in order, then its repeats after them
        firsts_before = np.cumsum(first) - first
        repeats_before = np.arange(len(first)) - firsts_before
        at = start[post]
        at = np.where(first, at + firsts_before - firsts_before[at],
                      at + distinct[post] + repeats_before - repeats_before[at])
        ordered = np.empty(len(values), np.uint64)
        ordered[at] = values
        return (pa.ListArray.from_arrays(pa.array(self.sentence_offsets, pa.int32()), pa.array(ordered, pa.uint64())),
                pa.array(distinct, pa.int32()))

    #: whether the texts of :meth:`distinct_sentences` are lower-cased (copydesk.quality.fast's are)
    lowered = False

    def distinct_sentences(self) -> tuple[np.ndarray, pa.Array]:
        """The distinct prose sentences of the chunk: (their hashes, their texts, whitespace
        collapsed but not lower-cased)."""
        return self._real_hashes, self._real_texts

    def sentences_of(self, i: int) -> list[str]:
        """The prose sentences of body ``i``, whitespace collapsed (not lower-cased)."""
        o = self.sentence_offsets
        ids = self.sentence_ids[o[i]:o[i + 1]]
        return pc.take(self._sentences, pa.array(ids, pa.int64())).to_pylist()


def sentence_texts(bodies, wanted: set[int]) -> dict[int, str]:
    """The normalised text (lower case, whitespace collapsed) of each sentence hash of ``wanted``
    found in ``bodies``.  Every block is cut as a prose paragraph is, prose or not, and only the
    distinct pieces are hashed: a piece with a wanted hash has that sentence's text, so the blocks
    need not be told apart."""
    found: dict[int, str] = {}
    if not wanted:
        return found
    bodies = _prepared(bodies)
    blocks, _ = _distinct(pc.list_flatten(pc.split_pattern(bodies, "\n\n")))
    forms, _ = _distinct(_sentence_pieces(blocks)[0])
    pieces, _ = _distinct(_collapsed(forms))
    hashes = _lower_hashes(pieces)
    hit = [i for i, h in enumerate(hashes.tolist()) if h in wanted]
    for h, piece in zip(hashes[hit].tolist(), pc.take(pieces, pa.array(hit, pa.int64())).to_pylist()):
        if h not in found:
            found[h] = piece.lower()
    return found


def _floats(a: np.ndarray) -> pa.Array:
    return pa.array(a, pa.float64(), mask=np.isnan(a))


def chunk_columns(c: Chunk) -> dict[str, pa.Array]:
    """The ``quality_signals`` columns (all but ``revision_id``) of an analysed chunk, its sentence
    hashes in the stored layout (:meth:`Chunk.hashes_distinct_first`)."""
    i32 = pa.int32()
    hashes, distinct = c.hashes_distinct_first()
    return {
        "word_count": pa.array(c.word_count, i32), "sentence_count": pa.array(c.sentence_count, i32),
        "paragraph_count": pa.array(c.paragraph_count, i32), "heading_count": pa.array(c.heading_count, i32),
        "list_item_count": pa.array(c.list_item_count, i32),
        "avg_sentence_words": _floats(c.avg_sentence_words), "long_sentence_share": _floats(c.long_sentence_share),
        "flesch_reading_ease": _floats(c.flesch_reading_ease),
        "longest_paragraph_words": pa.array(c.longest_paragraph_words, i32),
        "checklist_missing": c.missing_array, "checklist_extra": c.extra_array,
        "sentence_hashes": hashes, "distinct_sentences": distinct,
    }

