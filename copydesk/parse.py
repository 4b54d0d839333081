"""Parse page dumps (``../shared/formats/page-dump.md``) and JSON Lines records into post rows.

:func:`parse_page` turns the raw bytes of one file into a :class:`Post`-shaped
dict whose keys are the ``posts`` columns, or raises :class:`Rejected` when the
file is not a post at all (empty, whitespace only, binary, undecodable, no text).
Anything that looks like a post is kept: a value that does not parse becomes
``None`` and a warning is recorded in ``warnings``; unknown meta keys are kept in
``extra_meta``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
from typing import Any

# --------------------------------------------------------------------------- keys

SCALAR_KEYS = (
    "topic", "summary", "ai brief", "code language", "difficulty",
    "reading time", "view count", "reference", "hash",
)
LIST_KEYS = (
    "ai outline", "stack", "tools", "score", "revision", "flags",
    "checklist", "entities", "payload", "notes",
)
# Longest first, so that a longer key wins over a shorter one it starts with.
_SCALARS_BY_LENGTH = tuple(sorted(SCALAR_KEYS, key=len, reverse=True))
_LIST_SET = frozenset(LIST_KEYS)
_SCALAR_KEY = re.compile("|".join(re.escape(k) for k in _SCALARS_BY_LENGTH))
_BULLET_CHARS = "•-*·‣▪◦"

SCORE_FIELDS = {"quality": "score_quality", "freshness": "score_freshness",
                "depth": "score_depth", "clarity": "score_clarity"}
FLAG_FIELDS = {"ai generated style": "ai_generated_style", "has images": "has_images",
               "image heavy": "image_heavy", "needs human review": "needs_human_review"}

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
LIST_COLUMNS = frozenset({"stack", "tools", "checklist", "notes", "warnings"})
JSON_COLUMNS = frozenset({"entities", "ai_outline", "extra_meta"})
INT_COLUMNS = frozenset({"view_count", "reading_time", "paragraphs", "seed",
                         *SCORE_FIELDS.values()})
BOOL_COLUMNS = frozenset({*FLAG_FIELDS.values(), "has_meta"})

MAX_FILE_BYTES = 64 * 1024 * 1024

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
_CONTROL_BYTES = bytes([*range(0, 9), *range(0x0E, 0x1B), *range(0x1C, 0x20)])


class Rejected(ValueError):
    """The file is not a post at all; the message is the reason recorded in the ledger."""


# --------------------------------------------------------------------------- decoding

def decode(data: bytes) -> tuple[str, list[str]]:
    """Bytes → text with ``\\n`` line ends.  Returns (text, notes about the encoding)."""
    notes: list[str] = []
    if not data:
        raise Rejected("empty file")
    if len(data) > MAX_FILE_BYTES:
        raise Rejected(f"file too large ({len(data)} bytes > {MAX_FILE_BYTES})")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        notes.append("utf-8 BOM")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
            notes.append("utf-16")
            data = None  # type: ignore[assignment]
        except UnicodeDecodeError:
            raise Rejected("undecodable: broken UTF-16") from None
    if data is not None:
        head = data[:65536]
        if b"\x00" in head:
            raise Rejected("binary file (contains NUL bytes)")
        if len(head) - len(head.translate(None, _CONTROL_BYTES)) > max(8, len(head) // 100):
            raise Rejected("binary file (control bytes)")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
                notes.append("decoded as cp1252")
            except UnicodeDecodeError:
                raise Rejected("undecodable: neither UTF-8 nor cp1252") from None
    if not text.strip():
        raise Rejected("whitespace only")
    # (other encodings had their control bytes checked on the raw bytes above)
    if notes[:1] == ["utf-16"] and len(_CONTROL.findall(text[:65536])) > max(8, min(len(text), 65536) // 100):
        raise Rejected("binary file (control characters)")
    if "\r" in text:
        notes.append("CRLF line endings" if "\r\n" in text else "CR line endings")
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, notes


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


def _text(raw: Any) -> str | None:
    if raw is None:
        return None
    s = str(raw).strip()
    return s or None


# --------------------------------------------------------------------------- page dumps

def _new_row() -> dict[str, Any]:
    row = dict.fromkeys(COLUMNS)
    row["warnings"] = []
    return row


def _is_bullet(line: str) -> bool:
    c = line[0]
    return c in " \t" or (c in "•-*·‣▪◦" and (len(line) == 1 or line[1] in " \t"))


def parse_page(data: bytes | str) -> dict[str, Any]:
    """Parse one page dump into a posts row (see module docstring)."""
    if isinstance(data, str):
        text = data.replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            raise Rejected("whitespace only" if text else "empty file")
    else:
        text = decode(data)[0]
    return parse_text(text)


def parse_text(text: str) -> dict[str, Any]:
    lines = list(map(str.rstrip, text.split("\n")))
    n = len(lines)
    row = _new_row()
    warnings: list[str] = row["warnings"]

    # Title: the first line that is neither blank nor page chrome ("| | |").
    start = 0
    while start < n and (not lines[start].strip() or _CHROME.match(lines[start])):
        start += 1
    if start >= n:
        raise Rejected("no text: only page chrome")

    # The meta header: the last non-bullet "<site> post meta" line after the title.
    meta_at = -1
    for i in range(n - 1, start - 1, -1):
        ln = lines[i]
        if ln.endswith(("meta", "META", "Meta")) and not _is_bullet(ln):
            m = _META_HEADER.match(ln.strip())
            if m:
                meta_at = i
                row["site"] = m.group(1).strip()
                break

    # The page footer "Similar Posts" (page chrome, may be followed by links).
    footer_at = -1
    for i in range(n - 1, max(start, meta_at), -1):
        if lines[i].strip().lower() == "similar posts":
            footer_at = i
            break

    if meta_at == start:
        title_at = None
        warnings.append("no title or article before the meta box")
    else:
        title_at = start
        row["title"] = lines[start].strip()
    article_end = meta_at if meta_at >= 0 else (footer_at if footer_at >= 0 else n)
    if title_at is not None:
        body_lines = lines[title_at + 1:article_end]
        while body_lines and not body_lines[0].strip():
            body_lines.pop(0)
        while body_lines and not body_lines[-1].strip():
            body_lines.pop()
        row["body"] = "\n".join(body_lines)
    else:
        row["body"] = ""

    if meta_at < 0:
        row["has_meta"] = False
        warnings.append("no meta box")
    else:
        row["has_meta"] = True
        meta_end = footer_at if footer_at >= 0 else n
        _parse_meta(lines[meta_at + 1:meta_end], row, warnings)
        if footer_at < 0:
            warnings.append("truncated: the page ends inside the meta box")

    _finish(row, warnings)
    return row


def _parse_meta(lines: list[str], row: dict[str, Any], warnings: list[str]) -> None:
    scalars: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    unknown_lines: list[str] = []
    current: list[str] | None = None
    # A non-bullet line is only settled by the next one: if bullets follow it, it
    # was a list key we do not know ("hashtags" is not the scalar "hash" + "tags").
    pending: tuple[str, str | None, str] | None = None    # (known scalar key or "", value, raw line)

    def settle() -> None:
        nonlocal pending
        if pending is not None:
            key, value, raw = pending
            if key:
                if key in scalars:
                    warnings.append(f"meta key {key!r} appears twice; the later one is kept")
                scalars[key] = value
            else:
                unknown_lines.append(raw)
            pending = None

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
            if pending is not None:
                current = lists.setdefault(pending[2].lower(), [])
                pending = None
            if current is None:
                unknown_lines.append(item)
            else:
                current.append(item)
            continue
        settle()
        current = None
        stripped = ln.strip()
        low = stripped.lower()
        if low in _LIST_SET:                    # a known list key
            if low in lists:
                warnings.append(f"meta key {low!r} appears twice; the later one is kept")
            current = lists[low] = []
            continue
        m = _SCALAR_KEY.match(low)
        if m:                                   # a known scalar key (settled by the next line)
            key = m.group(0)
            pending = (key, stripped[len(key):].strip(), stripped)
        else:                                   # an unknown key
            pending = ("", stripped, stripped)
    settle()

    extra: dict[str, Any] = {}
    for key, items in lists.items():
        if key not in _LIST_SET:
            extra[key] = items
    for line in unknown_lines:
        m = _GLUED_VALUE.match(line) or _KEY_COLON.match(line)
        if m:
            extra[m.group(1).strip()] = m.group(2).strip()
            continue
        extra.setdefault("unparsed lines", []).append(line)

    # Scalars.
    for key in ("topic", "summary", "difficulty", "reference"):
        row[key] = _text(scalars.get(key))
    row["ai_brief"] = _text(scalars.get("ai brief"))
    row["code_language"] = _text(scalars.get("code language"))
    row["content_hash"] = _text(scalars.get("hash"))
    if "reading time" in scalars:
        row["reading_time"] = parse_minutes(scalars["reading time"], "reading time", warnings)
    if "view count" in scalars:
        row["view_count"] = parse_int(scalars["view count"], "view count", warnings, lo=0)

    # Plain lists.
    for key in ("stack", "tools", "checklist", "notes"):
        if key in lists:
            row[key] = lists[key]

    # Lists of "k: v".
    sub_extra: dict[str, dict[str, str]] = {}

    def kv_items(key: str) -> list[tuple[str, str]]:
        """The items of list ``key`` as ("k", "v") for "K: v" ("", item without a colon)."""
        return [(k.strip().lower(), v.strip()) if sep else ("", item.strip())
                for item in lists.get(key, ()) for k, sep, v in (item.partition(":"),)]

    if "ai outline" in lists:
        outline: dict[str, str] = {}
        for k, v in kv_items("ai outline"):
            outline[k or f"item {len(outline) + 1}"] = v
        row["ai_outline"] = outline
    if "score" in lists:
        for k, v in kv_items("score"):
            col = SCORE_FIELDS.get(k)
            if col:
                row[col] = parse_int(v, f"score {k}", warnings, lo=0, hi=100)
            else:
                sub_extra.setdefault("score", {})[k or v] = v
    if "flags" in lists:
        for k, v in kv_items("flags"):
            col = FLAG_FIELDS.get(k)
            if col:
                row[col] = parse_bool(v, f"flag {k}", warnings)
            else:
                sub_extra.setdefault("flags", {})[k or v] = v
    if "revision" in lists:
        for k, v in kv_items("revision"):
            if k == "status":
                row["status"] = _text(v)
            elif k == "version":
                row["version"] = _text(v)
            elif k == "last reviewed":
                row["last_reviewed"] = parse_date(v, "last reviewed", warnings)
            else:
                sub_extra.setdefault("revision", {})[k or v] = v
    if "payload" in lists:
        for k, v in kv_items("payload"):
            if k == "source id":
                row["post_id"] = _text(v)
            elif k == "generator":
                row["generator"] = _text(v)
            elif k == "scenario":
                row["scenario"] = _text(v)
            elif k == "paragraphs":
                row["paragraphs"] = parse_int(v, "payload paragraphs", warnings, lo=0, hi=2**31 - 1)
            elif k == "seed":
                row["seed"] = parse_int(v, "payload seed", warnings)
            else:
                sub_extra.setdefault("payload", {})[k or v] = v
    if "entities" in lists:
        entities: list[dict[str, str]] = []
        for k, v in kv_items("entities"):
            if k == "name" or not entities:
                entities.append({})
            entities[-1][k or "value"] = v
        row["entities"] = entities
    for parent, values in sub_extra.items():
        extra[parent] = values
    row["extra_meta"] = extra or None


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

_JSON_ALIASES = {"source_id": "post_id", "id": "post_id", "hash": "content_hash"}


def parse_record(obj: Any) -> dict[str, Any]:
    """A JSON Lines record whose keys are the posts column names → a posts row."""
    if not isinstance(obj, dict):
        raise Rejected(f"JSON record is a {type(obj).__name__}, not an object")
    row = _new_row()
    warnings: list[str] = row["warnings"]
    extra: dict[str, Any] = {}
    row["has_meta"] = True
    for key, value in obj.items():
        col = _JSON_ALIASES.get(key, key)
        if col in ("warnings", "article_hash", "has_meta", "source_file", "imported_at",
                   "batch_id", "source_sha256"):
            extra[key] = value
        elif col in LIST_COLUMNS:
            row[col] = _as_str_list(value, col, warnings)
        elif col == "last_reviewed":
            row[col] = parse_date(value, col, warnings)
        elif col in SCORE_FIELDS.values():
            row[col] = parse_int(value, col, warnings, lo=0, hi=100)
        elif col == "reading_time":
            row[col] = parse_minutes(value, col, warnings)
        elif col in INT_COLUMNS:
            row[col] = parse_int(value, col, warnings, lo=0 if col == "view_count" else None)
        elif col in BOOL_COLUMNS:
            row[col] = parse_bool(value, col, warnings)
        elif col in JSON_COLUMNS:
            if col == "extra_meta" and isinstance(value, dict):
                extra.update(value)
            else:
                row[col] = value
        elif col in row:
            row[col] = None if value is None else _text(value if isinstance(value, str) else json.dumps(value))
        else:
            extra[key] = value
    if row["body"] is None:
        row["body"] = ""
    if not (row["title"] or row["body"]) and not row["post_id"]:
        raise Rejected("JSON record has neither post_id, title nor body")
    row["extra_meta"] = extra or None
    _finish(row, warnings)
    return row


def _as_str_list(value: Any, col: str, warnings: list[str]) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()] if value.strip() else []
    if isinstance(value, list):
        return [v if isinstance(v, str) else json.dumps(v) for v in value]
    warnings.append(f"{col}: expected a list, got {type(value).__name__}")
    return None
