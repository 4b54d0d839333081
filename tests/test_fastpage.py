"""The page parser's fast path (``copydesk.fastpage``) gives exactly what the full parser gives, on
every page it takes; it takes the well-formed pages of a corpus; and the importer uses it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copydesk import fastpage, importer
from copydesk.parse import Rejected, parse_page
from copydesk.synth import generate

from sql_support import q

EXAMPLE = (Path(__file__).resolve().parent.parent / "data" / "example-page.txt").read_bytes()


def full(data: bytes):
    """The full parser's revision values (by column), or the rejection."""
    try:
        return dict(zip(importer._ROW_COLS, importer.revision_row(parse_page(data), "p.txt", "sha")))
    except Rejected as exc:
        return ("rejected", str(exc))


def fast(data: bytes):
    values = fastpage.revision_values(data, "p.txt", "sha", importer._ROW_COLS)
    return None if values is None else dict(zip(importer._ROW_COLS, values))


def check(data: bytes) -> bool:
    """The fast path agrees with the full parser where it takes the page; returns whether it did."""
    got = fast(data)
    if got is not None:
        assert got == full(data)
    return got is not None


def edit(old: str, new: str, data: bytes = EXAMPLE) -> bytes:
    text = data.decode("utf-8")
    assert old in text
    return text.replace(old, new, 1).encode("utf-8")


def test_the_fast_paths_keys_are_the_full_parsers():
    """The meta box's keys as the fast path orders them (fastpage._KEYS) are the full parser's keys."""
    from copydesk import parse
    assert sorted(fastpage._KEYS) == sorted((*parse.SCALAR_KEYS, *parse.LIST_KEYS))


def test_the_example_page_takes_the_fast_path():
    row = fast(EXAMPLE)
    assert row is not None and row == full(EXAMPLE)
    assert row["post_id"] == "alphanode-006908" and row["view_count"] == 178481
    assert row["stack"] == ["next.js", "frontend", "typescript"]
    assert row["entities"].startswith('[{"name": "next.js", "type": "stack"}')


# Edits the fast path must read exactly as the full parser does (True: it takes the page).
TAKEN = [
    ("on a single vps\n  • problem", 'on a "single" vps \\ x: y\n  • problem'),     # JSON escapes
    ("    • name: next.js", '    • name: "next.js"\\'),
    ("view count178481", "view count1,234,567"),
    ("  • last reviewed: 2018-02-10\n", ""),
    ("  • last reviewed: 2018-02-10", "  • last reviewed: never"),
    ("  • quality: 93", "  • quality: 100"),
    ("  • quality: 93", "  • quality: 07"),
    ("stack\n  • next.js\n  • frontend\n  • typescript\n", "stack\n"),
    ("entities\n    • name: next.js\n    • type: stack\n    • name: frontend\n    • type: area\n"
     "    • name: handling background jobs\n    • type: problem\n", "entities\n"),
    ("| | |\n", ""),
    ("| | |\n", "|\u202f| |\n\n  \n"[:-3] + "\n"),
    ("next.js notes: handling", "  next.js notes: handling"),
    ("Similar Posts", "Similar Posts\n\nmore reading\nanother post"),
    ("topichandling background jobs / next.js", "topic"),
    ("alphanode post meta", "alpha node post meta"),
    ("production checks\n", "production checks\n\n| a | b |\nsimilar posts\n"),
]


@pytest.mark.parametrize("old,new", TAKEN)
def test_edits_the_fast_path_takes(old, new):
    assert check(edit(old, new))


def restyled(bullet: str, entity_bullet: str, data: bytes = EXAMPLE) -> bytes:
    """The page with its bullets in another style (the article's lists and the meta box's)."""
    return data.replace("    • ".encode(), entity_bullet.encode()).replace("  • ".encode(), bullet.encode())


@pytest.mark.parametrize("bullet,entity_bullet", [("  - ", "    - "), ("  * ", "    * "), ("\t• ", "\t\t• ")])
def test_the_other_bullet_styles_of_the_format_take_the_fast_path(bullet, entity_bullet):
    """"-", "*" and tab-indented bullets: read as the usual ones, by both parsers, in the whole page or on
    some of its lines."""
    data = restyled(bullet, entity_bullet)
    assert check(data)
    row = fast(data)
    assert row["stack"] == ["next.js", "frontend", "typescript"] and row["score_quality"] == 93
    assert row["entities"].startswith('[{"name": "next.js", "type": "stack"}')
    assert row["body"] == full(data)["body"] and (bullet in row["body"]) == (bullet != "  • ")
    lines = EXAMPLE.decode().split("\n")
    mixed = "\n".join(ln.replace("    • ", entity_bullet).replace("  • ", bullet) if i % 3 else ln
                      for i, ln in enumerate(lines)).encode()
    assert check(mixed)


@pytest.mark.parametrize("old,new", [
    ("  • quality: 93", "  -quality: 93"),              # the full parser reads "-quality" as a bullet too
    ("  • quality: 93", "  -  quality: 93"),
    ("  • quality: 93", "  - \tquality: 93"),
    ("  • quality: 93", "\t-\tquality: 93"),
    ("  • quality: 93", " \t• quality: 93"),
    ("  • quality: 93", "  • quality:\t93"),
    ("topichandling", "topic\thandling"),                # a tab in a value (left to the full parser)
    ("summarythis", "summarythis\t"),
    ("alphanode post meta", "alpha\tnode post meta"),
    ("    • name: next.js", "\t\t•\tname: next.js"),
    ("    • name: next.js", "\t    • name: next.js"),
    ("next.js notes: handling", "\tnext.js notes: handling"),   # the title: stripped by both
    ("production checks\n", "production\tchecks\n"),
    ("production checks\n", "production checks\n\t\n"),
])
def test_tabs_and_near_misses_of_the_bullets_agree(old, new):
    for bullet, entity_bullet in (("  • ", "    • "), ("  - ", "    - "), ("\t• ", "\t\t• ")):
        check(restyled(bullet, entity_bullet, edit(old, new)))


# Edits that make the page one for the full parser (the fast path must say no, or agree).
DECLINED = [
    ("production checks", "production checks\u00a0"),               # a line ending in a space: stripped
    ("production checks", "production checks\t"),
    ("production checks", "production meta"),                        # another line ending in "meta"
    ("production checks", "the x POST META"),
    ("alphanode post meta", "- alphanode post meta"),                # a bullet is no header
    ("alphanode post meta", "alphanode  post meta"),
    ("alphanode post meta", "Alphanode Post Meta"),
    ("  • last reviewed: 2018-02-10", "  • last reviewed: 2019-02-30"),
    ("  • quality: 93", "  • quality: 130"),
    ("  • quality: 93", "  • quality:93"),
    ("view count178481", "view count1,23,4"),
    ("view count178481", "view count 178481"),
    ("topichandling", "topic handling"),
    ("  • source id: alphanode-006908", "  • source id:"),
    ("difficultybeginner", "Difficultybeginner"),
    ("flags\n", "mood: fine\nflags\n"),
    ("Similar Posts", "Similar Posts\n\nSIMILAR POSTS"),
    ("Similar Posts", ""),
    ("\nSimilar Posts", "Similar Posts"),
    ("  • git\n", "  • git\n\n"),
    ("  • git\n", "  -  git\n"),
    ("next.js notes: handling background jobs on a single vps\n", ""),
]


@pytest.mark.parametrize("old,new", DECLINED)
def test_edits_the_fast_path_leaves_to_the_full_parser(old, new):
    check(edit(old, new))


@pytest.mark.parametrize("encode", [
    lambda t: t.replace("\n", "\r\n").encode("utf-8"),            # CRLF: the same row
    lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),                 # a BOM: the same row
])
def test_line_ends_and_bom(encode):
    data = encode(EXAMPLE.decode("utf-8"))
    assert check(data)


def test_bytes_the_full_parser_treats_specially_are_declined():
    text = EXAMPLE.decode("utf-8")
    for data in (text.replace("\n", "\r").encode(),
                 text.replace("monitoring", "monit\x00oring").encode(), text.encode("utf-16"),
                 text.replace("monitoring", "monit\x00oring").encode("cp1252"),
                 text.replace("production checks", "production checks\u2028").encode()):
        assert fast(data) is None


def meta_blocks(data: bytes = EXAMPLE) -> tuple[str, list[str], str]:
    """The page as (up to the blank line after the meta header, the meta box's blocks, the footer on)."""
    text = data.decode("utf-8")
    start = text.index(" post meta\n\n") + len(" post meta\n\n")
    end = text.index("\n\nSimilar Posts")
    blocks: list[str] = []
    for line in text[start:end].split("\n"):
        if blocks and line[:1] in (" ", "\t"):
            blocks[-1] += "\n" + line
        else:
            blocks.append(line)
    return text[:start], blocks, text[end:]


def test_meta_keys_in_another_order_take_the_fast_path():
    """A meta box whose keys come in any order (every bullet style): the values of the box in order."""
    import random
    rng = random.Random(5)
    head, blocks, tail = meta_blocks()
    assert len(blocks) == 19
    for bullet, entity_bullet in (("  • ", "    • "), ("  - ", "    - "), ("\t• ", "\t\t• ")):
        for _ in range(25):
            shuffled = rng.sample(blocks, len(blocks))
            data = restyled(bullet, entity_bullet, (head + "\n".join(shuffled) + tail).encode())
            assert check(data)
            assert fast(restyled(bullet, entity_bullet))["post_id"] == "alphanode-006908"


UNKNOWN_BLOCKS = ["authorjane doe", "word count1,250", "canonical urlhttps://example.org/a?b=1", "editor: dana",
                  "tags\n  • a\n  • b", "hashtags\n  • perf", "related posts\n  • x-1\n  • x-2", "?? what",
                  "Translations\n  • de", "tags\n  • c", "editor: lee", "notes about this", "localeen-gb"]


@pytest.mark.parametrize("where", [0, 5, 19])
@pytest.mark.parametrize("unknown", [UNKNOWN_BLOCKS[:1], UNKNOWN_BLOCKS[4:5], UNKNOWN_BLOCKS, UNKNOWN_BLOCKS[::-1]])
def test_unknown_meta_keys_are_kept_by_the_fast_path_as_by_the_full_parser(where, unknown):
    """Keys the format does not know (scalar lines, lists, repeated ones), anywhere in the box: their
    extra_meta is the full parser's, and the page still takes the fast path."""
    head, blocks, tail = meta_blocks()
    blocks[where:where] = unknown
    for bullet, entity_bullet in (("  • ", "    • "), ("  - ", "    - ")):
        data = restyled(bullet, entity_bullet, (head + "\n".join(blocks) + tail).encode())
        assert check(data)
        assert fast(data)["extra_meta"] == full(data)["extra_meta"] is not None
    assert check((head + "\n".join(blocks[::-1]) + tail).encode())


@pytest.mark.parametrize("block", ["topic\n  • x", "Stack\n  • a", "view counts12", "hash tags", "reading time 5",
                                   "scores\n  • quality: 5", "tags\n\t• a", "tags\n  •\ta", "flags: none",
                                   "stack\n  • again", "topicagain"])
def test_unknown_or_odd_blocks_beside_known_ones_agree(block):
    """Blocks that look like known keys, or known keys twice, or a tab in an unknown list: the fast path
    declines or agrees."""
    head, blocks, tail = meta_blocks()
    for at in (0, 7, 19):
        check((head + "\n".join(blocks[:at] + [block] + blocks[at:]) + tail).encode())


@pytest.mark.parametrize("missing", [[i] for i in range(19)] + [[0, 1, 5, 6, 18], list(range(17)), [10, 11, 14]])
def test_missing_meta_keys_take_the_fast_path_as_nulls(missing):
    """A meta box without some of its keys (any but the payload, whose source id is the post's id):
    NULLs, as the full parser leaves them, in any order and with the other irregularities."""
    head, blocks, tail = meta_blocks()
    kept = [b for i, b in enumerate(blocks) if i not in missing]
    data = (head + "\n".join(kept) + tail).encode()
    payload = blocks.index(next(b for b in blocks if b.startswith("payload")))
    assert check(data) == (payload not in missing)
    for page in (data, (head + "\n".join(kept[::-1] + ["authorjane doe"]) + tail).encode(),
                 restyled("\t• ", "\t\t• ", edit("view count178481", "view countn/a", data)) if 9 not in missing else data):
        check(page)
    if payload not in missing:
        row, want = fast(data), full(data)
        assert [c for c in row if row[c] is None] == [c for c in want if want[c] is None]


@pytest.mark.parametrize("change", ["drop", "twice", "blank", "joined", "unknown", "unknown list", "hashtags",
                                    "cut", "bullet first", "footer twice", "no blank after header",
                                    "two blanks after header", "blank after a scalar"])
def test_meta_boxes_out_of_order_that_are_not_well_formed_agree(change):
    """Keys out of order, and something else wrong: the fast path declines, or agrees."""
    head, blocks, tail = meta_blocks()
    blocks = blocks[::-1]
    if change == "drop":
        del blocks[3]
    elif change == "twice":
        blocks.insert(5, blocks[9])
    elif change == "blank":
        blocks[4] += "\n"
    elif change == "joined":
        blocks[2:4] = [blocks[2] + "\n" + blocks[3].replace("\n", "\n  ")]
    elif change == "unknown":
        blocks.insert(6, "authorjane doe")
    elif change == "unknown list":
        blocks.insert(6, "tags\n  • a\n  • b")
    elif change == "hashtags":
        blocks.insert(6, "hashtags")
    elif change == "cut":
        tail = ""
    elif change == "bullet first":
        blocks.insert(0, "  • stray")
    elif change == "footer twice":
        blocks.insert(3, "\nSimilar Posts")
    elif change == "two blanks after header":            # (blank lines in the box: skipped by the full parser)
        head += "\n"
    elif change == "blank after a scalar":
        blocks[1] += "\n"
    else:
        head = head[:-1]
    data = (head + "\n".join(blocks) + tail).encode()
    check(data)
    check(restyled("  - ", "    - ", (head + "\n".join(blocks + ["authorjane doe"]) + tail).encode()))
    if change == "two blanks after header":
        assert fast(data) is not None and fast(data)["extra_meta"] is None     # (taken: each key once, in order)
    if change in ("twice", "hashtags"):
        assert fast(data) is None                # (a key twice: a warning, from the full parser)


@pytest.mark.parametrize("data,warning", [
    (EXAMPLE.decode().replace("production checks", "production checks: déjà vu").encode("cp1252"),
     "encoding: not UTF-8, decoded as cp1252"),
    (EXAMPLE.decode().encode("cp1252"), "encoding: not UTF-8, decoded as cp1252"),        # ("•" is 0x95)
    (b"\xef\xbb\xbf" + EXAMPLE.decode().replace("\n", "\r\n").encode("cp1252"), "encoding: not UTF-8, decoded as cp1252"),
    (b"\xef\xbb\xbf" * 2 + EXAMPLE.replace(b"production checks", b"production \xc3\xa9 \xff checks"),   # (a BOM kept)
     "encoding: UTF-8 with 1 invalid byte replaced by U+FFFD"),
    (EXAMPLE.replace(b"production checks", b"production \xc3\xa9 \xff checks"),
     "encoding: UTF-8 with 1 invalid byte replaced by U+FFFD"),
])
def test_pages_that_are_not_utf8_take_the_fast_path_with_their_warning(data, warning):
    """cp1252, or UTF-8 with a stray byte: read as the full parser decodes them, with its warning."""
    assert check(data)
    row = fast(data)
    assert row["warnings"] == [warning] == full(data)["warnings"]
    assert row["stack"] == ["next.js", "frontend", "typescript"]


BAD_VALUES = [("view count178481", "view countn/a"), ("view count178481", "view count1,23,4"),
              ("view count178481", "view count"), ("reading time6", "reading time6 min"), ("reading time6", "reading time"),
              ("reading time6", "reading timesoon"), ("  • quality: 93", "  • quality: 130"),
              ("  • freshness: 48", "  • freshness: -4"), ("  • depth: 85", "  • depth: n/a"),
              ("  • has images: 0", "  • has images: yes"), ("  • image heavy: 0", "  • image heavy: maybe"),
              ("  • last reviewed: 2018-02-10", "  • last reviewed: 2019-02-30"),
              ("  • last reviewed: 2018-02-10", "  • last reviewed: 10/02/2018"),
              ("  • last reviewed: 2018-02-10", "  • last reviewed: none"),
              ("  • paragraphs: 6", "  • paragraphs: 99999999999"), ("  • seed: 6908", "  • seed: 1e3")]


@pytest.mark.parametrize("old,new", BAD_VALUES)
def test_values_that_do_not_parse_take_the_fast_path_with_the_full_parsers_warnings(old, new):
    """A number, date or flag that does not parse: NULL and the full parser's warning, from its own readers."""
    data = edit(old, new)
    assert check(data)
    row = fast(data)
    assert row["warnings"] == full(data)["warnings"]


def test_several_bad_values_give_the_warnings_in_the_full_parsers_order():
    data = EXAMPLE
    for old, new in BAD_VALUES[::3]:
        data = edit(old, new, data)
    for page in (data, restyled("  - ", "    - ", data), data.decode().replace("production checks", "déjà vu").encode("cp1252")):
        assert check(page)
        assert len(fast(page)["warnings"]) >= 4 and fast(page)["warnings"] == full(page)["warnings"]
    head, blocks, tail = meta_blocks(data)
    assert check((head + "\n".join(blocks[::-1] + ["authorjane doe"]) + tail).encode())


TOKENS = st.sampled_from([
    "\n", " ", "  ", "\t", "\u00a0", "\u3000", "é", "•", "  • ", "    • ", ":", '"', "\\", "|", "-", "*",
    "meta", "post meta", " post meta", "Meta", "META", "Similar Posts", "similar posts", "SIMILAR POSTS",
    "never", "0", "1", "100", "101", ",", "2019-02-30", "x", "topic", "stack", "hash", "\r", "\x00", "\ufeff",
    "\n  - ", "\n  * ", "\n\t• ", "\n\t\t• ", "\n    - ", "\t\t", "\udcff", "\udc95", "\udce9",
])


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.lists(st.tuples(st.floats(0, 1), TOKENS, st.integers(0, 3)), min_size=1, max_size=3))
def test_random_edits_agree_with_the_full_parser(edits):
    """Insert tokens anywhere in the example page (or delete a few characters there): wherever the
    fast path still takes the page, its values are the full parser's."""
    text = EXAMPLE.decode("utf-8")
    for where, token, cut in edits:
        i = int(where * len(text))
        text = text[:i] + token + text[i + cut:]
    check(text.encode("utf-8", "surrogatepass"))


def test_a_generated_corpus(tmp_path):
    """Every page of a generated corpus with every irregularity: the fast path agrees wherever it
    takes one, and it takes the well-formed ones (most of the corpus)."""
    generate(tmp_path / "c", 600, seed=7)
    pages = sorted((tmp_path / "c" / "pages").rglob("*.txt"))
    taken = sum(check(p.read_bytes()) for p in pages)
    assert taken >= 0.7 * len(pages)
    generate(tmp_path / "clean", 200, seed=8, irregular=False)
    clean = sorted((tmp_path / "clean" / "pages").rglob("*.txt"))
    assert sum(check(p.read_bytes()) for p in clean) == len(clean)


def test_the_import_stores_the_same_rows_either_way(tmp_path, monkeypatch):
    """An import with the fast path and one without it store the same revisions and ledger."""
    generate(tmp_path / "c", 300, seed=3)
    dbs = {}
    for name, on in (("fast", True), ("full", False)):
        if not on:          # (read_pages: the per-file loop in C, which matches with the fast path)
            monkeypatch.setattr(fastpage, "match", lambda data, c_tried=False: None)
            monkeypatch.setattr(fastpage, "read_pages", None)
        dbs[name] = tmp_path / f"{name}.duckdb"
        importer.import_paths([str(tmp_path / "c" / "pages")], str(dbs[name]), workers=1)
    cols = ", ".join(c for c in importer._ROW_COLS)
    rows = {name: q(db, f"SELECT revision_id, {cols} FROM post_revisions ORDER BY revision_id") for name, db in dbs.items()}
    ledger = {name: q(db, "SELECT source_file, sha256, size_bytes, outcome, post_id, warnings, message "
                          "FROM import_files ORDER BY source_file") for name, db in dbs.items()}
    assert len(rows["fast"]) > 250 and rows["fast"] == rows["full"]
    assert ledger["fast"] == ledger["full"]


def test_sha_and_source_file_are_the_callers():
    sha = hashlib.sha256(EXAMPLE).hexdigest()
    values = fastpage.revision_values(EXAMPLE, "a/b.txt", sha, importer._ROW_COLS)
    row = dict(zip(importer._ROW_COLS, values))
    assert row["source_file"] == "a/b.txt" and row["source_sha256"] == sha
