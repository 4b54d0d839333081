"""The fast path of the page parser: a well-formed page dump in one regular expression.

Most pages of a corpus are printed by one template: the meta box's keys in the format's
order (``../shared/formats/page-dump.md``), ``  • `` bullets, plain numbers, ISO dates, no
unknown keys.  :func:`match` reads such a page with a few C-level byte and string operations and
one match of :data:`_META`.  The format's other bullets ("-", "*", tab-indented), keys in another
order, unknown keys, a file that is not UTF-8 and values that do not parse take a second match
(the box put as the template prints it; :data:`_META_ANY`), with the full parser's own functions
for what it reads differently (:func:`_rearranged`, :func:`_not_utf8`, :func:`_read_values`).
:func:`columns` turns a chunk's matches into Arrow columns with vectorised compute functions
(numbers, flags, lists, the JSON of the outline and the entities).  :func:`match` returns ``None``
for any other page, which the importer then parses with
:func:`~copydesk.parse.parse_page`.  So the fast path needs to be right only where it says yes: it
takes a page only when every rule of the full parser that could apply to it gives the value the
pattern captures (each guard below names the rule it stands for), and the tests and
``bench/parser_diff.py`` compare the two on every page of generated and mutated corpora.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrays import offsets
from . import parse
from .parse import MAX_FILE_BYTES

try:            # the match of a page the template printed, in C (copydesk/_fastmeta.c): built by
    from ._fastmeta import match as _c_match, split as _c_split   # ``make install``; without it,
    from ._fastmeta import read_pages                              # the Python below reads every
except ImportError:                                                # page, a few times slower
    _c_match = _c_split = read_pages = None

# The fast path's byte checks, with one ``bytes.translate``: every control byte but the line feed
# and the tab becomes NUL (the full parser removes some with a warning, turns \r into line ends, and
# strips \v, \f), and the tab and every byte that can end the UTF-8 of a whitespace character
# become a space
# (the space itself, and the last bytes of U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029,
# U+202F, U+205F, U+3000): a line that may end in whitespace (which the full parser strips) then
# ends in " \n".  (A few other characters end in those bytes, é among them: such a line only
# sends its page to the full parser.)  "E", "T" and "A" become lower case, for the count of
# lines ending in "meta" in any case.
_SPACE_ENDS = bytes([0x20, 0x85, 0xA0, *range(0x80, 0x8B), 0xA8, 0xA9, 0xAF, 0x9F])
_CHECK = bytes(32 if b == 9 or b in _SPACE_ENDS else 0 if (b < 32 and b != 10) or b == 127
               else b + 32 if b in b"ETA" else b for b in range(256))
_NOT_HEADER_START = "[^\\s" + re.escape("•-*·‣▪◦") + "]"   # a header line is no bullet (nor starts like one)
# The other bullets of the format ("-", "*" or tab-indented instead of "  • "), at the start of a meta
# line, as the usual ones: the full parser reads "  - x", "  * x", "\t• x" as it reads "  • x" (the
# line stripped, then its bullet and the spaces after it), and "    - " … as "    • " (the entities).
# Their meta box is read again with them replaced, when it did not match as it is.
_OTHER_BULLETS = (("\n\t\t• ", "\n    • "), ("\n\t• ", "\n  • "), ("\n    - ", "\n    • "),
                  ("\n    * ", "\n    • "), ("\n  - ", "\n  • "), ("\n  * ", "\n  • "))

_V = r"(\S[^\n]*)"                           # a value: from its first non-space to the line's end
_LIST = r"((?:  • \S[^\n]*\n)*)"             # the items of a plain list, as one block
_HEAD = re.compile(r"(?:[\s|]*\n)*")          # blank lines and page chrome ("| | |") before the title
def _meta_pattern(any_value: bool) -> re.Pattern:
    """The meta box as the template prints it; ``any_value``: the values the full parser reads as
    numbers, dates or flags may be any text, and any key but the payload (the post's id) may be
    missing (:data:`_META_ANY`)."""
    def typed(pattern: str, scalar: bool = False) -> str:
        return (_V + "?" if scalar else _V) if any_value else pattern

    def block(pattern: str) -> str:
        return f"(?:{pattern})?" if any_value else pattern
    score = typed("(100|[0-9]{1,2})")
    flag = typed("([01])")
    return re.compile("".join((
        rf"({_NOT_HEADER_START}(?:[^\n]*\S)?) post meta\n\n",
        block(rf"topic{_V}?\n"),
        block(rf"summary{_V}?\n"),
        block(rf"ai outline\n  • context: {_V}\n  • problem: {_V}\n  • stack: {_V}\n  • recommended action: {_V}\n"),
        block(rf"ai brief{_V}?\n"),
        block(rf"stack\n{_LIST}"),
        block(rf"tools\n{_LIST}"),
        block(rf"code language{_V}?\n"),
        block(rf"difficulty{_V}?\n"),
        block(rf"reading time{typed('([0-9]{1,5})', True)}\n"),
        block(rf"view count{typed('([0-9]{1,18}|[0-9]{1,3}(?:,[0-9]{3}){1,5})', True)}\n"),
        block(rf"score\n  • quality: {score}\n  • freshness: {score}\n  • depth: {score}\n  • clarity: {score}\n"),
        block(rf"revision\n  • status: {_V}\n  • version: {_V}\n"
              rf"(?:  • last reviewed: {typed('([0-9]{4}-[0-9]{2}-[0-9]{2}|never)')}\n)?"),
        block(rf"reference{_V}?\n"),
        block(rf"hash{_V}?\n"),
        block(rf"flags\n  • ai generated style: {flag}\n  • has images: {flag}\n  • image heavy: {flag}\n"
              rf"  • needs human review: {flag}\n"),
        block(rf"checklist\n{_LIST}"),
        block(r"entities\n((?:    • name: \S[^\n]*\n    • type: \S[^\n]*\n)*)"),
        rf"payload\n  • source id: {_V}\n  • generator: {_V}\n  • paragraphs: {typed('([0-9]{1,9})')}\n"
        rf"  • scenario: {_V}\n  • seed: {typed('([0-9]{1,18})')}\n",
        block(rf"notes\n{_LIST}"),
        r"\nSimilar Posts(?:\n|\Z)")))


_META = _meta_pattern(False)
# A meta box printed by the template whose numbers, dates or flags may not parse (their values are
# read by the full parser's readers, which give its warnings: :func:`_read_values`), or that lacks keys
# (NULL, as the full parser leaves them).
_META_ANY = _meta_pattern(True)


# The keys of the meta box in the order of :data:`_META` (:func:`_rearranged`: the full parser's list and
# scalar keys, parse.LIST_KEYS and parse.SCALAR_KEYS), and where a block of the box starts: at a line
# that is neither blank nor a bullet (nor starts like one).
_KEYS = ("topic", "summary", "ai outline", "ai brief", "stack", "tools", "code language", "difficulty",
         "reading time", "view count", "score", "revision", "reference", "hash", "flags", "checklist",
         "entities", "payload", "notes")
_KEY_RANK = {key: i for i, key in enumerate(_KEYS)}
_BLOCK_START = re.compile(r"\n(?=" + _NOT_HEADER_START + ")")


# The groups of _META, in order: a value column, or how the group is read (the lists, the ai outline's
# four values, the entities).
GROUPS = (
    "site", "topic", "summary", "o_context", "o_problem", "o_stack", "o_action", "ai_brief", "stack",
    "tools", "code_language", "difficulty", "reading_time", "view_count", "score_quality",
    "score_freshness", "score_depth", "score_clarity", "status", "version", "last_reviewed", "reference",
    "content_hash", "ai_generated_style", "has_images", "image_heavy", "needs_human_review", "checklist",
    "entities", "post_id", "generator", "paragraphs", "scenario", "seed", "notes",
)
_POST_ID, _LAST_REVIEWED, _ENTITIES = (GROUPS.index(name) + 1 for name in ("post_id", "last_reviewed", "entities"))
# The values the full parser reads as numbers, dates or flags, in the order it reads them (that of its
# warnings): (index in the groups, reader, name in its warnings, a scalar: "" when it has no value).
_READ = (*((GROUPS.index(f.column), f.read, key, True) for key, f in parse.SCALAR_FIELDS.items()
           if f.read is not parse.read_text),
         *((GROUPS.index(column), read, label, False) for _key, fields in parse.KEYED_FIELDS
           for column, read, label in fields.values() if read is not parse.read_text))
# A match's values joined by NUL (absent: "\1"; its warnings joined by "\2")
_JOINED = ("title", "article_hash", *GROUPS, "extra_meta", "warning")
_OPTIONAL = ("topic", "summary", "ai_brief", "code_language", "difficulty", "reference", "content_hash")
_INTS = ("reading_time", "score_quality", "score_freshness", "score_depth", "score_clarity", "paragraphs", "seed")
_FLAGS = ("ai_generated_style", "has_images", "image_heavy", "needs_human_review")
_LISTS = ("stack", "tools", "checklist", "notes")
_OUTLINE = (("context", "o_context"), ("problem", "o_problem"), ("stack", "o_stack"),
            ("recommended action", "o_action"))
_STR = pa.string()


def match(data: bytes, c_tried: bool = False) -> tuple | None:
    """A well-formed page's values as read: (its body as UTF-8 bytes; its title, article hash, the
    groups of :data:`GROUPS`, its extra_meta and its warnings joined by NUL; its post id; its
    warnings; whether the full parser's readers read its values), or None when the page is not one
    the fast path reads (then :func:`~copydesk.parse.parse_page` does).  :func:`columns` turns
    matches into columns.  ``c_tried``: the C match said None already (``_fastmeta.read_pages``)."""
    if len(data) > MAX_FILE_BYTES:
        return None
    if _c_match is not None and not c_tried:
        found = _c_match(data)          # (None: not a page it reads as it is; the Python decides)
        if found is not None:
            return found
    return _match(data, "\1")


def _not_utf8(data: bytes) -> tuple | None:
    """A page that is not UTF-8 (cp1252, or UTF-8 with invalid bytes): read as the full parser's
    ``decode`` reads it, with its one warning (the encoding used), when it gives no other."""
    try:
        text, warnings = parse.decode(data)
    except parse.Rejected:
        return None
    if len(warnings) != 1 or not warnings[0].startswith("encoding: "):
        return None
    return _match(text.encode("utf-8"), warnings[0])


def _match(data: bytes, warning: str) -> tuple | None:
    """:func:`match`, of a page whose bytes are read with ``warning`` ("\1": none)."""
    original = data
    if data[:3] == b"\xef\xbb\xbf" and warning == "\1":  # decode(): a UTF-8 BOM is dropped (of the file's bytes)
        data = data[3:]
    if b"\r" in data:                                    # decode(): CRLF line ends become \n
        data = data.replace(b"\r\n", b"\n")
    checked = data.translate(_CHECK)
    # The meta header is the last line ending in "meta", "META" or "Meta" that reads "<site> post
    # meta" (in any case): here it is the only line ending in "eta" in any case.
    if (b"\0" in checked or b" \n" in checked or checked.endswith((b" ", b"eta"))
            or checked.count(b"eta\n") != 1):
        return None                          # control bytes, a line that may end in a space, or no header
    at = data.find(b" post meta\n")
    if at < 0:
        return None
    start = data.rfind(b"\n", 0, at) + 1                 # the header line (a line start: UTF-8 splits there)
    try:
        head, meta = data[:start].decode("utf-8"), data[start:].decode("utf-8")
    except UnicodeDecodeError:                           # decode(): replacement or cp1252, with a warning
        return _not_utf8(original) if warning == "\1" else None
    m, extra, any_value = _META.match(meta), "\1", False
    if m is None:
        if "\t" in meta or "  - " in meta or "  * " in meta:
            for other, usual in _OTHER_BULLETS:
                meta = meta.replace(other, usual)
            m = _META.match(meta)
        if m is None:
            rearranged = _rearranged(meta)
            if rearranged is not None:
                meta, extra = rearranged
                m = _META.match(meta)
        if m is None:
            m, any_value = _META_ANY.match(meta), True
            if m is None:
                return None
    if "\t" in meta:           # (a tab the bullets did not take: its value is left to the full parser)
        return None
    if m.end() < len(meta) and "similar posts" in meta[m.end():].lower():
        return None                                      # the footer is the last "Similar Posts" line
    title_at = _HEAD.match(head).end()                   # the first line neither blank nor chrome
    title_end = head.find("\n", title_at)
    if title_end < 0:                                    # (the header itself: no title)
        return None
    warnings = [] if warning == "\1" else [warning]
    if any_value:
        groups = _read_values(list(m.groups("\1")), warnings)
    else:
        groups = m.groups("\1")
        last = groups[_LAST_REVIEWED - 1]
        if last != "\1" and last != "never":
            try:
                _dt.date.fromisoformat(last)
            except ValueError:                           # parse_date(): an invalid date, with a warning
                groups = _read_values(list(m.groups("\1")), warnings)    # (as the full parser reads it)
                any_value = True
    entities = m.group(_ENTITIES)
    if entities is not None and entities.count("    • ") != entities.count("\n"):
        return None                                      # (an entity's text holding a bullet: see columns())
    title = head[title_at:title_end].strip()
    body = data[len(head[:title_end + 1].encode("utf-8")):start].strip(b"\n")    # (UTF-8, as bytes)
    digest = hashlib.blake2b(title.encode("utf-8"), digest_size=16)
    digest.update(b"\n")
    digest.update(body)
    joined = "\0".join((title, digest.hexdigest(), *groups, extra, "\2".join(warnings) if warnings else "\1"))
    return body, joined.encode("utf-8"), m.group(_POST_ID), tuple(warnings), any_value


def _read_values(values: list[str], warnings: list[str]) -> list[str]:
    """The groups of a match of :data:`_META_ANY` (``m.groups("\1")``, as a list, changed in place),
    its numbers, dates and flags read by the full parser's readers, in its order (``warnings`` gets
    its warnings): as the text :func:`columns` reads ("\1": NULL)."""
    for index, read, label, scalar in _READ:
        raw = values[index]
        if raw == "\1":
            if not scalar:
                continue                                 # (no "last reviewed" line)
            raw = ""                                     # (a scalar key with no value)
        value = read(raw, label, warnings)
        values[index] = "\1" if value is None else "1" if value is True else "0" if value is False else str(value)
    return values


def _rearranged(meta: str) -> tuple[str, str] | None:
    """A meta box with keys in another order, or keys the format does not know, as the template would
    print it, and the JSON of its unknown keys (``extra_meta``, as the full parser builds it; "\1":
    none); None when there is nothing to rearrange.

    The meta box's blocks (a line that is no bullet, and the bullets after it) are read alone by the
    full parser: such a line ends the block before it, and which known key a line holds does not
    depend on its place.  So the known blocks are put in the format's order (their match then
    checks each is there once, and well formed), and the others, the unknown keys, are read by the
    full parser's own functions, in their order.  A blank line stays in its block: no match."""
    at = meta.find("\n\n") + 2                          # the blocks start after the header and a blank line
    end = meta.find("\n\nSimilar Posts", at)             # and end before a blank line and the footer
    if at < 2 or end < 0:
        return None
    known, ranks, unknown = [], [], []
    for block in _BLOCK_START.split(meta[at:end]):
        if not block:                                    # (more blank lines after the header: skipped by both)
            continue
        line, bullets, _items = block.partition("\n")
        # the key as the full parser knows it (in another case than the template's, it fails the match)
        low = line.lower()
        scalar = None if bullets else parse.SCALAR_KEY.match(low)
        if low in parse.LIST_SET or scalar:
            known.append(block)
            ranks.append(_KEY_RANK[low if scalar is None else scalar.group()])
        else:
            unknown.append(block)
    if not unknown and ranks == sorted(ranks):
        return None                                      # (in order already: something else is wrong)
    extra = "\1"
    if unknown:
        extra = _extra_of("\n".join(unknown))
        if extra is None:
            return None
    order = sorted(range(len(known)), key=ranks.__getitem__)
    return "".join((meta[:at], "\n".join([known[i] for i in order]), meta[end:])), extra


def _extra_of(unknown: str) -> str | None:
    """The ``extra_meta`` JSON of a meta box's unknown blocks (joined by "\n"), as the full parser
    builds it ("\1": none, its ``extra or None``); None when the full parser reads them otherwise (a
    scalar key among them, a warning).  (Also the C match's, for the unknown blocks it sets aside.)"""
    warnings: list[str] = []
    scalars, lists, lines = parse.read_box(unknown.split("\n"), warnings)
    if scalars or warnings:
        return None
    unknown_meta = parse.unknown_meta(lists, lines)
    return parse.JSON_TEXT.encode(unknown_meta) if unknown_meta else "\1"


def _read_groups(groups: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """:func:`_read_values` of a match's groups, and its warnings (the C match's, for a page whose
    values the full parser's readers read: a match of :data:`_META_ANY`, or a date that does not exist)."""
    warnings: list[str] = []
    return _read_values(list(groups), warnings), warnings


if _c_match is not None:
    from ._fastmeta import configure as _configure
    _configure(_extra_of, _read_groups)


def post_id(matched: tuple) -> str:
    return matched[2]


def warnings(matched: tuple) -> tuple[str, ...]:
    """The page's warnings: the encoding it was read with (when it is not UTF-8), then its values'."""
    return matched[3]


def _escaped(values: pa.Array) -> pa.Array:
    """Text as the inside of a JSON string (its characters are never control characters here)."""
    return pc.replace_substring(pc.replace_substring(values, "\\", "\\\\"), '"', '\\"')


def _list_column(blocks: pa.Array) -> pa.Array:
    """Plain lists' blocks ("  • a\n  • b\n", or "", or NULL: no such key) as list<string> (["a", "b"],
    or [], or NULL)."""
    missing = blocks.is_null() if blocks.null_count else None
    if missing is not None:
        blocks = blocks.fill_null("")
    split = pc.split_pattern(pc.utf8_slice_codeunits(blocks, 4, -1), "\n  • ")
    lengths = pc.if_else(pc.equal(blocks, ""), 0, pc.list_value_length(split)).to_numpy()
    values = split.flatten()
    values = values.filter(pc.not_equal(values, ""))    # (an item is never empty: only an empty block's)
    return pa.ListArray.from_arrays(pa.array(offsets(lengths, np.int32)), values, mask=missing)


def _split(joined: tuple[bytes, ...], any_value: bool) -> dict[str, pa.Array]:
    """The matches' values (joined by NUL, in :data:`_JOINED`'s order) as string columns by name,
    "\1" read as NULL: in C (``_fastmeta.split``, the buffers of each column in one pass), else with
    Arrow's split and a take per column.  (A value is "\1" only where NULL is meant: an optional key
    missing; with ``any_value``, a value the full parser's readers gave no value for.)"""
    n, k = len(joined), len(_JOINED)
    if _c_split is not None:
        try:
            split = _c_split(joined, k)
        except OverflowError:                   # (over 2 GiB of one column: Arrow's large chunks below)
            split = None
        if split is not None:
            return {name: pa.Array.from_buffers(_STR, n, [None if valid is None else pa.py_buffer(valid),
                                                          pa.py_buffer(offsets), pa.py_buffer(data)], null_count=nulls)
                    for name, (valid, offsets, data, nulls) in zip(_JOINED, split)}
    values = pc.split_pattern(pa.array(joined, pa.binary()).view(_STR), "\0").flatten()   # (UTF-8: decoded)
    if len(values) != n * k:
        raise ValueError("fastpage: a match does not split into its values")
    raw = {name: values.take(np.arange(i, n * k, k)) for i, name in enumerate(_JOINED)}
    absent = pa.scalar(None, _STR)
    for name in (*_OPTIONAL, "last_reviewed", "extra_meta", "warning"):
        raw[name] = pc.if_else(pc.equal(raw[name], "\1"), absent, raw[name])
    if any_value:
        for name in ("view_count", *_INTS, *_FLAGS, "status", "version", *_LISTS, "entities",
                     *(name for _key, name in _OUTLINE)):
            raw[name] = pc.if_else(pc.equal(raw[name], "\1"), absent, raw[name])
    return raw


def columns(matched: list[tuple]) -> dict[str, pa.Array]:
    """The ``post_revisions`` columns of matched pages, given as (:func:`match`'s result, source
    file, sha256), as ``importer.revision_row(parse_page(data), source_file, sha)`` gives them, by
    column name.

    A match's values come joined in one string: one conversion to Arrow per page rather than one
    per value, then split and picked apart column by column."""
    return columns_of(*zip(*matched))


def columns_of(found: list[tuple], source_files: list[str], shas: list[str]) -> dict[str, pa.Array]:
    """:func:`columns` of matches given as three lists: :func:`match`'s results, source files, sha256s."""
    n = len(found)
    body, joined, _ids, _warnings, any_value = zip(*found)
    raw = _split(joined, any(any_value))
    absent = pa.scalar(None, _STR)
    out = {name: raw[name] for name in ("title", "article_hash", "post_id", "site", "status", "version",
                                       "generator", "scenario", *_OPTIONAL)}
    out["body"] = pa.array(body, pa.binary()).view(_STR)        # (valid UTF-8: match() decoded it)
    out["last_reviewed"] = pc.cast(pc.if_else(pc.equal(raw["last_reviewed"], "never"), absent,
                                              raw["last_reviewed"]), pa.date32())
    out["view_count"] = pc.cast(pc.replace_substring(raw["view_count"], ",", ""), pa.int64())
    for name in _INTS:
        out[name] = pc.cast(raw[name], pa.int64())
    for name in _FLAGS:
        out[name] = pc.equal(raw[name], "1")
    for name in _LISTS:
        out[name] = _list_column(raw[name])
    pieces = []
    for key, name in _OUTLINE:
        pieces += [f'", "{key}": "' if pieces else f'{{"{key}": "', _escaped(raw[name])]
    out["ai_outline"] = pc.binary_join_element_wise(*pieces, '"}', "")
    # Entities: "    • name: A\n    • type: B\n" per object (no value holds "    • ": match()).
    objects = _escaped(raw["entities"])
    for old, new in (("\n    • type: ", '", "type": "'), ("    • name: ", '{"name": "'), ("\n", '"}, ')):
        objects = pc.replace_substring(objects, old, new)
    out["entities"] = pc.binary_join_element_wise("[", pc.utf8_rtrim(objects, ", "), "]", "")
    out["has_meta"] = pa.array(np.ones(n, bool))
    out["extra_meta"] = raw["extra_meta"]
    warned = raw["warning"].is_valid()                          # (the warnings joined by "\2")
    split = pc.split_pattern(raw["warning"].filter(warned), "\2")
    lengths = np.zeros(n, np.int32)
    lengths[warned.to_numpy(zero_copy_only=False)] = pc.list_value_length(split).to_numpy()
    out["warnings"] = pa.ListArray.from_arrays(pa.array(offsets(lengths, np.int32)), split.flatten())
    out["source_file"], out["source_sha256"] = pa.array(source_files, _STR), pa.array(shas, _STR)
    return out


def revision_values(data: bytes, source_file: str, sha: str, order: tuple[str, ...]) -> tuple | None:
    """One page's values in the column order ``order`` (None when the fast path does not read it):
    :func:`match` and :func:`columns` for a single page (the tests compare it with the full parser)."""
    matched = match(data)
    if matched is None:
        return None
    cols = columns([(matched, source_file, sha)])
    return tuple(cols[name].to_pylist()[0] for name in order)
