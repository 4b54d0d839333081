"""Parse page dumps (``../shared/formats/page-dump.md``) and JSON Lines records into post rows.

:func:`parse_page` turns the raw bytes of one file into a :class:`Post`-shaped
dict whose keys are the ``posts`` columns, or raises :class:`Rejected` when the
file is not a post at all (empty, whitespace only, binary, undecodable, no text).
Anything that looks like a post is kept: a value that does not parse becomes
``None`` and a warning is recorded in ``warnings``; unknown meta keys are kept in
``extra_meta``.

Where each meta key goes is data, not code: :data:`SCALAR_FIELDS` (a key glued to
its value), :data:`PLAIN_LISTS` (a key then bullet items), :data:`KEYED_LISTS`
(bullet items ``k: v`` whose sub-keys are columns) and :data:`OBJECT_LISTS` (bullet
items kept whole as one JSON column) for page dumps; :data:`RECORD_ALIASES`,
:data:`RECORD_RESERVED` and :data:`RECORD_READERS` for JSON Lines records.  A new
meta key is one line in one of these tables.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
from typing import Any, Callable, NamedTuple

# The columns of ``posts`` that come from the file (the importer adds the rest).
COLUMNS = (
    "post_id", "site", "title", "body", "topic", "summary", "status", "version",
    "last_reviewed", "view_count", "reading_time", "difficulty", "code_language",
    "score_quality", "score_freshness", "score_depth", "score_clarity",
    "ai_generated_style", "has_images", "image_heavy", "needs_human_review",
    "stack", "tools", "checklist", "entities", "reference", "content_hash",
    "ai_brief", "ai_outline", "notes", "generator", "scenario", "paragraphs", "seed",
    "has_meta", "extra_meta", "warnings", "article_hash",
)

MAX_FILE_BYTES = 64 * 1024 * 1024

_BULLET_CHARS = "•-*·‣▪◦"
_META_HEADER = re.compile(r"^(\S.*?)\s+post meta$", re.IGNORECASE)
_CHROME = re.compile(r"^[\s|]*\|[\s|]*$")
_INT = re.compile(r"^[+]?\d+$")
_GROUPED_INT = re.compile(r"^\d{1,3}(?:([,_' \u00a0\u202f])\d{3})(?:\1\d{3})*$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.+\-Z]*)?$")
_MINUTES = re.compile(r"^(\d+)\s*(?:m|min|mins|minute|minutes)?\.?$", re.IGNORECASE)
# An unknown key glued to a value that starts recognisably: a number or date, a URL.
_GLUED_VALUE = re.compile(r"^([a-z][a-z ]*?[a-z])((?:https?://|www\.)\S*|\d.*)$")
_KEY_COLON = re.compile(r"^([a-z][a-z0-9 _\-]{0,40}?)\s*:\s*(.*)$")
_TRUE = frozenset({"1", "true", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "no", "n", "off"})
_NEVER = frozenset({"", "never", "none", "null", "n/a", "-"})
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0, 9), *range(0x0E, 0x1B), *range(0x1C, 0x20)])   # counted: is it binary?
_STRIP = _CONTROL                                                                 # removed from text
_STRIP_BYTES = bytes([*range(0, 9), *range(0x0E, 0x20), 0x7F])


class Rejected(ValueError):
    """The file is not a post at all; the message is the reason recorded in the ledger."""


# --------------------------------------------------------------------------- decoding

def decode(data: bytes) -> tuple[str, list[str]]:
    """Bytes → text with ``\\n`` line ends.  Returns (text, warnings about the bytes).

    UTF-8 (a BOM is dropped) and UTF-16 with a BOM are read as such.  A file that is not valid
    UTF-8 is still read as UTF-8, each invalid byte replaced by U+FFFD, when it is mostly UTF-8
    (at least as many valid non-ASCII characters as invalid bytes: one stray byte must not
    garble a page); otherwise as cp1252 (latin-1 for its five undefined bytes).  Either way a
    warning names the encoding used.  Control characters (NUL, ESC, DEL … but not tab and line
    ends) are removed anywhere in the file, with a warning; a file whose first 64 KiB hold
    more than 1 % of them is binary and rejected.
    """
    warnings: list[str] = []
    if not data:
        raise Rejected("empty file")
    if len(data) > MAX_FILE_BYTES:
        raise Rejected(f"file too large ({len(data)} bytes > {MAX_FILE_BYTES})")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _finish_text(_decode_utf16(data, warnings), warnings), warnings
    stripped = data.translate(None, _STRIP_BYTES)
    if len(stripped) != len(data):             # rare: control bytes somewhere
        head = data[:65536]
        if len(head) - len(head.translate(None, _CONTROL_BYTES)) > max(8, len(head) // 100):
            raise Rejected("binary file (control bytes)")
        if not stripped.strip():
            raise Rejected("binary file (control bytes only)")
        warnings.append(f"{len(data) - len(stripped)} control characters removed")
        data = stripped
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _decode_not_utf8(data, warnings)
    return _finish_text(text, warnings), warnings


def _decode_utf16(data: bytes, warnings: list[str]) -> str:
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError:
        raise Rejected("undecodable: broken UTF-16") from None
    warnings.append("encoding: UTF-16 (with a byte order mark)")
    head = text[:65536]
    if len(_CONTROL.findall(head)) > max(8, len(head) // 100):
        raise Rejected("binary file (control characters)")
    clean = _STRIP.sub("", text)
    if len(clean) != len(text):
        warnings.append(f"{len(text) - len(clean)} control characters removed")
    return clean


def _decode_not_utf8(data: bytes, warnings: list[str]) -> str:
    """Text of bytes that are not valid UTF-8: UTF-8 with replacement when mostly UTF-8, else cp1252."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    valid = len(text) - len(text.encode("ascii", "ignore")) - bad     # non-ASCII characters decoded fine
    if valid >= bad:
        warnings.append(f"encoding: UTF-8 with {bad} invalid byte{'s' if bad != 1 else ''} replaced by U+FFFD")
        return text
    try:
        text = data.decode("cp1252")
        warnings.append("encoding: not UTF-8, decoded as cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        warnings.append("encoding: not UTF-8, decoded as latin-1")
    return text


def _finish_text(text: str, warnings: list[str]) -> str:
    if not text.strip():
        raise Rejected("whitespace only")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


# --------------------------------------------------------------------------- values

def parse_int(raw: Any, field: str, warnings: list[str], *, lo: int | None = None,
              hi: int | None = None) -> int | None:
    """An integer, allowing thousands separators; NULL plus a warning when it does not parse."""
    if raw.__class__ is str and raw.isdecimal():      # the common case, e.g. "93"
        value = int(raw)
        if (lo is None or value >= lo) and (hi is None or value <= hi) and value <= 2**63 - 1:
            return value
    if raw is None:
        return None
    if isinstance(raw, bool):
        warnings.append(f"{field}: not a number ({raw!r})")
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    else:
        s = str(raw).strip()
        if s.lower() in _NEVER:
            if s:
                warnings.append(f"{field}: missing value {s!r}")
            return None
        if _INT.match(s):
            value = int(s)
        elif _GROUPED_INT.match(s):
            value = int(re.sub(r"\D", "", s))
        else:
            warnings.append(f"{field}: not a number {s[:40]!r}")
            return None
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        rng = f"{lo}..{hi}" if hi is not None else f">= {lo}"
        warnings.append(f"{field}: {value} out of range {rng}")
        return None
    if value > 2**63 - 1:
        warnings.append(f"{field}: {value} too large")
        return None
    return value


def parse_minutes(raw: Any, field: str, warnings: list[str]) -> int | None:
    if isinstance(raw, str):
        m = _MINUTES.match(raw.strip())
        if m:
            raw = m.group(1)
    return parse_int(raw, field, warnings, lo=0, hi=100_000)


def parse_bool(raw: Any, field: str, warnings: list[str]) -> bool | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        return raw
    s = str(raw).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    warnings.append(f"{field}: not a 0/1 flag {str(raw)[:40]!r}")
    return None


def parse_date(raw: Any, field: str, warnings: list[str]) -> _dt.date | None:
    if raw is None:
        return None
    if isinstance(raw, _dt.date):
        return raw
    s = str(raw).strip()
    if s.lower() in _NEVER:
        return None
    m = _DATE.match(s)
    if not m:
        warnings.append(f"{field}: not an ISO date {s[:40]!r}")
        return None
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        warnings.append(f"{field}: invalid date {s[:40]!r}")
        return None


# Readers: (raw value, its name in warnings, the row's warnings) -> column value.
Reader = Callable[[Any, str, list], Any]


def read_text(raw: Any, field: str, warnings: list[str]) -> str | None:
    """Stripped text; None when blank."""
    if raw is None:
        return None
    s = str(raw).strip()
    return s or None


def read_count(raw: Any, field: str, warnings: list[str]) -> int | None:
    return parse_int(raw, field, warnings, lo=0)


def read_score(raw: Any, field: str, warnings: list[str]) -> int | None:
    return parse_int(raw, field, warnings, lo=0, hi=100)


def read_paragraphs(raw: Any, field: str, warnings: list[str]) -> int | None:
    return parse_int(raw, field, warnings, lo=0, hi=2**31 - 1)


def read_outline(items: list[tuple[str, str]]) -> dict[str, str]:
    """``ai outline`` items → {key: value}; an item without a key is ``item N``."""
    outline: dict[str, str] = {}
    for k, v in items:
        outline[k or f"item {len(outline) + 1}"] = v
    return outline


def read_objects(items: list[tuple[str, str]]) -> list[dict[str, str]]:
    """``entities`` items → objects: each ``name:`` starts one (an item without a key is ``value``)."""
    objects: list[dict[str, str]] = []
    for k, v in items:
        if k == "name" or not objects:
            objects.append({})
        objects[-1][k or "value"] = v
    return objects


# --------------------------------------------------------------------------- the meta box tables

class MetaField(NamedTuple):
    """Where one meta value goes: its ``posts`` column and how its text is read."""
    column: str
    read: Reader = read_text


# Scalar keys, printed glued to their value (``view count178481``).  Their values are
# read in this order (the order of the warnings they give).
SCALAR_FIELDS: dict[str, MetaField] = {
    "topic": MetaField("topic"),
    "summary": MetaField("summary"),
    "ai brief": MetaField("ai_brief"),
    "code language": MetaField("code_language"),
    "difficulty": MetaField("difficulty"),
    "reading time": MetaField("reading_time", parse_minutes),
    "view count": MetaField("view_count", read_count),
    "reference": MetaField("reference"),
    "hash": MetaField("content_hash"),
}
# List keys whose items are the column's value as they are.
PLAIN_LISTS: dict[str, str] = {"stack": "stack", "tools": "tools", "checklist": "checklist", "notes": "notes"}


class KeyedList(NamedTuple):
    """A list of ``k: v`` items whose sub-keys are columns; the values of other sub-keys
    are kept in ``extra_meta[<list key>]``.  ``label`` prefixes a sub-key in warnings."""
    label: str
    fields: dict[str, MetaField]


KEYED_LISTS: dict[str, KeyedList] = {
    "score": KeyedList("score", {
        "quality": MetaField("score_quality", read_score),
        "freshness": MetaField("score_freshness", read_score),
        "depth": MetaField("score_depth", read_score),
        "clarity": MetaField("score_clarity", read_score),
    }),
    "flags": KeyedList("flag", {
        "ai generated style": MetaField("ai_generated_style", parse_bool),
        "has images": MetaField("has_images", parse_bool),
        "image heavy": MetaField("image_heavy", parse_bool),
        "needs human review": MetaField("needs_human_review", parse_bool),
    }),
    "revision": KeyedList("", {
        "status": MetaField("status"),
        "version": MetaField("version"),
        "last reviewed": MetaField("last_reviewed", parse_date),
    }),
    "payload": KeyedList("payload", {
        "source id": MetaField("post_id"),
        "generator": MetaField("generator"),
        "scenario": MetaField("scenario"),
        "paragraphs": MetaField("paragraphs", read_paragraphs),
        "seed": MetaField("seed", parse_int),
    }),
}
# Lists of ``k: v`` items kept whole in one JSON column: key -> (column, builder).
OBJECT_LISTS: dict[str, tuple[str, Callable[[list], Any]]] = {
    "ai outline": ("ai_outline", read_outline),
    "entities": ("entities", read_objects),
}

# The text of the JSON columns (entities, ai_outline, extra_meta) as stored (the importer's revision rows and
# the fast path): json.dumps(…, ensure_ascii=False), without building an encoder per call.
JSON_TEXT = json.JSONEncoder(ensure_ascii=False)

SCALAR_KEYS = tuple(SCALAR_FIELDS)
LIST_KEYS = (*PLAIN_LISTS, *KEYED_LISTS, *OBJECT_LISTS)
LIST_SET = frozenset(LIST_KEYS)
# Longest first, so that a longer key wins over a shorter one it starts with.
SCALAR_KEY = re.compile("|".join(re.escape(k) for k in sorted(SCALAR_KEYS, key=len, reverse=True)))

# The tables as the parser's inner loops read them: plain tuples, warning names built once.
_SCALARS = tuple((key, f.column, f.read) for key, f in SCALAR_FIELDS.items())
KEYED_FIELDS = tuple((key, {sub: (f.column, f.read, f"{keyed.label} {sub}".lstrip()) for sub, f in keyed.fields.items()})
               for key, keyed in KEYED_LISTS.items())

SCORE_COLUMNS = tuple(f.column for f in KEYED_LISTS["score"].fields.values())
FLAG_COLUMNS = tuple(f.column for f in KEYED_LISTS["flags"].fields.values())


# --------------------------------------------------------------------------- page dumps

def _new_row() -> dict[str, Any]:
    row = dict.fromkeys(COLUMNS)
    row["warnings"] = []
    return row


def _is_bullet(line: str) -> bool:
    c = line[0]
    return c in " \t" or (c in _BULLET_CHARS and (len(line) == 1 or line[1] in " \t"))


def parse_page(data: bytes | str) -> dict[str, Any]:
    """Parse one page dump into a posts row (see module docstring)."""
    if isinstance(data, str):
        text = data.replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            raise Rejected("whitespace only" if text else "empty file")
        return parse_text(text)
    text, warnings = decode(data)
    row = parse_text(text)
    if warnings:
        row["warnings"][:0] = warnings
    return row


def parse_text(text: str) -> dict[str, Any]:
    """Parse a decoded page (``\\n`` line ends): title, article, meta box (see the format)."""
    lines = list(map(str.rstrip, text.split("\n")))
    row = _new_row()
    warnings: list[str] = row["warnings"]
    start = _title_line(lines)
    meta_at = _meta_header(lines, start, row)
    footer_at = _footer(lines, max(start, meta_at))
    if meta_at == start:
        warnings.append("no title or article before the meta box")
        row["body"] = ""
    else:
        row["title"] = lines[start].strip()
        end = meta_at if meta_at >= 0 else (footer_at if footer_at >= 0 else len(lines))
        row["body"] = _article(lines, start + 1, end)
    if meta_at < 0:
        row["has_meta"] = False
        warnings.append("no meta box")
    else:
        row["has_meta"] = True
        _parse_meta(lines[meta_at + 1:footer_at if footer_at >= 0 else len(lines)], row, warnings)
        if footer_at < 0:
            warnings.append("truncated: the page ends inside the meta box")
    _finish(row, warnings)
    return row


def _title_line(lines: list[str]) -> int:
    """The index of the title: the first line that is neither blank nor page chrome (``| | |``)."""
    start, n = 0, len(lines)
    while start < n and (not lines[start].strip() or _CHROME.match(lines[start])):
        start += 1
    if start >= n:
        raise Rejected("no text: only page chrome")
    return start


def _meta_header(lines: list[str], start: int, row: dict[str, Any]) -> int:
    """The index of the meta header, the last non-bullet ``<site> post meta`` line from the
    title on (-1 when there is none); sets ``row["site"]``."""
    for i in range(len(lines) - 1, start - 1, -1):
        ln = lines[i]
        if ln.endswith(("meta", "META", "Meta")) and not _is_bullet(ln):
            m = _META_HEADER.match(ln.strip())
            if m:
                row["site"] = m.group(1).strip()
                return i
    return -1


def _footer(lines: list[str], after: int) -> int:
    """The index of the page footer ``Similar Posts`` after line ``after`` (-1 when there is none)."""
    for i in range(len(lines) - 1, after, -1):
        if lines[i].strip().lower() == "similar posts":
            return i
    return -1


def _article(lines: list[str], start: int, end: int) -> str:
    """The body: lines ``start:end`` without blank lines around them."""
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])


def _parse_meta(lines: list[str], row: dict[str, Any], warnings: list[str]) -> None:
    """The meta box's lines → the row's meta columns, through the tables above."""
    scalars, lists, unknown_lines = read_box(lines, warnings)
    extra = unknown_meta(lists, unknown_lines)
    for key, column, read in _SCALARS:
        if key in scalars:
            row[column] = read(scalars[key], key, warnings)
    for key, column in PLAIN_LISTS.items():
        if key in lists:
            row[column] = lists[key]
    for key, fields in KEYED_FIELDS:
        if key in lists:
            rest = _read_keyed(fields, _kv_items(lists[key]), row, warnings)
            if rest:
                extra[key] = rest
    for key, (column, build) in OBJECT_LISTS.items():
        if key in lists:
            row[column] = build(_kv_items(lists[key]))
    row["extra_meta"] = extra or None


def read_box(lines: list[str], warnings: list[str]) -> tuple[dict[str, str], dict[str, list[str]], list[str]]:
    """Split the meta box into (scalar key -> value, list key -> items, unknown lines).

    A non-bullet line is only settled by the next one: if bullets follow it, it was a
    list key we do not know ("hashtags" is not the scalar "hash" + "tags").  Lists are
    keyed by their lowercased line; a key that appears twice keeps its later value.
    (One loop over the lines, without a call per line: it is the parser's hot path.)
    """
    scalars: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    unknown: list[str] = []
    current: list[str] | None = None                    # the list that bullets go to
    pending: tuple[str, str, str] | None = None        # (known scalar key or "", value, raw line)
    bullets = _BULLET_CHARS
    for ln in lines:
        if not ln:
            continue
        if ln.startswith("  \u2022 "):           # the usual bullet, "  • item"
            item = ln[4:]
            if item[:1].isspace():
                item = item.lstrip()
        elif ln[0] in " \t" or (ln[0] in bullets and (len(ln) == 1 or ln[1] in " \t")):
            item = ln.strip()
            if item[0] in bullets:
                item = item[1:].lstrip()
        else:
            item = None
        if item is not None:
            if pending is not None:             # the line before was an unknown list's key
                current = lists.setdefault(pending[2].lower(), [])
                pending = None
            if current is None:
                unknown.append(item)
            else:
                current.append(item)
            continue
        if pending is not None:
            _settle(pending, scalars, unknown, warnings)
            pending = None
        current = None
        stripped = ln.strip()
        low = stripped.lower()
        if low in LIST_SET:                    # a known list key
            if low in lists:
                warnings.append(f"meta key {low!r} appears twice; the later one is kept")
            current = lists[low] = []
            continue
        m = SCALAR_KEY.match(low)
        if m:                                   # a known scalar key (settled by the next line)
            key = m.group(0)
            pending = (key, stripped[len(key):].strip(), stripped)
        else:                                   # an unknown key
            pending = ("", stripped, stripped)
    if pending is not None:
        _settle(pending, scalars, unknown, warnings)
    return scalars, lists, unknown


def _settle(pending: tuple[str, str, str], scalars: dict[str, str], unknown: list[str],
            warnings: list[str]) -> None:
    """A non-bullet line not followed by bullets: a scalar (known key) or an unknown line."""
    key, value, raw = pending
    if not key:
        unknown.append(raw)
        return
    if key in scalars:
        warnings.append(f"meta key {key!r} appears twice; the later one is kept")
    scalars[key] = value


def unknown_meta(lists: dict[str, list[str]], unknown_lines: list[str]) -> dict[str, Any]:
    """``extra_meta`` of the keys no table knows: unknown lists, then unknown lines
    (``key: value``, or a key glued to a number or URL; else under ``unparsed lines``).  An
    unknown key on several lines (``tag: t1``, ``tag: t2``) keeps every value, as a list."""
    extra: dict[str, Any] = {key: items for key, items in lists.items() if key not in LIST_SET}
    repeated: set[str] = set()
    for line in unknown_lines:
        m = _GLUED_VALUE.match(line) or _KEY_COLON.match(line)
        if not m:
            extra.setdefault("unparsed lines", []).append(line)
            continue
        key, value = m.group(1).strip(), m.group(2).strip()
        if key not in extra:
            extra[key] = value
            continue
        if key not in repeated:             # a key given several times keeps all its values, in order
            repeated.add(key)
            extra[key] = [extra[key]]
        extra[key].append(value)
    return extra


def _kv_items(items: list[str]) -> list[tuple[str, str]]:
    """List items as ("k", "v") for "K: v" (("", item) for an item without a colon)."""
    return [(k.strip().lower(), v.strip()) if sep else ("", item.strip())
            for item in items for k, sep, v in (item.partition(":"),)]


def _read_keyed(fields: dict[str, tuple[str, Reader, str]], items: list[tuple[str, str]],
                row: dict[str, Any], warnings: list[str]) -> dict[str, str]:
    """Set the columns of a keyed list's known sub-keys (``fields``: sub-key -> (column,
    reader, name in warnings)); returns the others (for ``extra_meta``)."""
    rest: dict[str, str] = {}
    for k, v in items:
        field = fields.get(k)
        if field is None:
            rest[k or v] = v
        else:
            column, read, label = field
            row[column] = read(v, label, warnings)
    return rest


def _finish(row: dict[str, Any], warnings: list[str]) -> None:
    """Fill derived columns: article_hash and, if needed, a content-derived post_id."""
    title = row.get("title") or ""
    body = row.get("body") or ""
    # title and body are already stripped and newline-normalised
    row["article_hash"] = hashlib.blake2b(f"{title}\n{body}".encode("utf-8"), digest_size=16).hexdigest()
    if not row.get("post_id"):
        row["post_id"] = "anon-" + row["article_hash"][:16]
        if row.get("has_meta"):
            warnings.append("no source id; id derived from the article text")


# --------------------------------------------------------------------------- JSON Lines

def read_str_list(value: Any, field: str, warnings: list[str]) -> list[str] | None:
    """A list of strings: a list (non-strings as JSON) or a comma-separated string."""
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()] if value.strip() else []
    if isinstance(value, list):
        return [v if isinstance(v, str) else json.dumps(v) for v in value]
    warnings.append(f"{field}: expected a list, got {type(value).__name__}")
    return None


def read_as_is(value: Any, field: str, warnings: list[str]) -> Any:
    """The JSON value itself (a JSON column)."""
    return value


def read_json_text(value: Any, field: str, warnings: list[str]) -> str | None:
    """Text; a non-string JSON value as its JSON text."""
    return None if value is None else read_text(value if isinstance(value, str) else json.dumps(value), field, warnings)


# A record's keys are column names, or these aliases of them.
RECORD_ALIASES = {"source_id": "post_id", "id": "post_id", "hash": "content_hash"}
# Keys naming what the importer derives itself: kept in ``extra_meta``, never trusted.
RECORD_RESERVED = frozenset({"warnings", "article_hash", "has_meta", "source_file", "imported_at",
                             "batch_id", "source_sha256"})
# How a record's value is read, by column; every other column is text (:func:`read_json_text`).
# (``extra_meta``: an object is merged into the row's own extra_meta, anything else dropped.)
RECORD_READERS: dict[str, Reader] = {
    **dict.fromkeys(PLAIN_LISTS.values(), read_str_list),
    "last_reviewed": parse_date,
    **dict.fromkeys(SCORE_COLUMNS, read_score),
    "reading_time": parse_minutes,
    "view_count": read_count,
    "paragraphs": parse_int,
    "seed": parse_int,
    **dict.fromkeys(FLAG_COLUMNS, parse_bool),
    "entities": read_as_is,
    "ai_outline": read_as_is,
    "extra_meta": read_as_is,
}


def parse_record(obj: Any) -> dict[str, Any]:
    """A JSON Lines record whose keys are the posts column names → a posts row."""
    if not isinstance(obj, dict):
        raise Rejected(f"JSON record is a {type(obj).__name__}, not an object")
    row = _new_row()
    warnings: list[str] = row["warnings"]
    extra: dict[str, Any] = {}
    row["has_meta"] = True
    for key, value in obj.items():
        col = RECORD_ALIASES.get(key, key)
        if col in RECORD_RESERVED or col not in row:
            extra[key] = value
        elif col == "extra_meta" and isinstance(value, dict):
            extra.update(value)
        else:
            row[col] = RECORD_READERS.get(col, read_json_text)(value, col, warnings)
    if row["body"] is None:
        row["body"] = ""
    if not (row["title"] or row["body"]) and not row["post_id"]:
        raise Rejected("JSON record has neither post_id, title nor body")
    row["extra_meta"] = extra or None
    _finish(row, warnings)
    return row
