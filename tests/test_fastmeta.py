"""The fast path's match in C (``copydesk._fastmeta``, built by ``make install``) gives exactly what
the Python match (``fastpage._match``) gives, on every page it takes; it takes the pages the template
printed; and ``fastpage.match`` uses it.  (tests/test_fastpage.py compares ``fastpage.match``, so the
C where it takes a page, with the full parser.)"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copydesk import fastpage
from copydesk.synth import generate

from test_fastpage import BAD_VALUES, EXAMPLE, TOKENS, UNKNOWN_BLOCKS, edit, full, meta_blocks, restyled

try:
    from copydesk import _fastmeta
except ImportError:
    _fastmeta = None

# Built by ``make install`` wherever there is a C compiler (and in CI, which has one): a missing build
# fails here rather than leaving the import slower unseen.  Without a compiler, the Python reads every
# page (tests/test_fastpage.py runs either way).
pytestmark = pytest.mark.skipif(_fastmeta is None and not os.environ.get("CI") and not shutil.which("cc"),
                                reason="no C compiler: copydesk._fastmeta is not built")

def c_match(data: bytes):
    assert _fastmeta is not None, "copydesk._fastmeta is not built: run make install"
    return _fastmeta.match(data)


def agrees(data: bytes) -> bool:
    """The C match is None or the Python's; returns whether it took the page."""
    got = c_match(data)
    if got is not None:
        assert got == fastpage._match(data, "\1")
    return got is not None


def test_it_is_built_and_used():
    """``make install`` builds it (a missing compiler would leave the import a few times slower, so
    the suite says so rather than skipping); ``fastpage.match`` calls it."""
    assert _fastmeta is not None, "copydesk._fastmeta is not built: run make install"
    assert fastpage._c_match is _fastmeta.match
    assert fastpage.match(EXAMPLE) == _fastmeta.match(EXAMPLE) == fastpage._match(EXAMPLE, "\1")


def test_the_example_page():
    body, joined, post_id, warnings, any_value = c_match(EXAMPLE)
    assert post_id == "alphanode-006908" and warnings == () and any_value is False
    values = joined.decode("utf-8").split("\0")
    assert len(values) == len(fastpage._JOINED)
    assert values[0] == "next.js notes: handling background jobs on a single vps"
    assert dict(zip(fastpage._JOINED, values))["view_count"] == "178481"
    assert body.startswith(b"when a project grows") and body.endswith(b"easier.")


@pytest.mark.parametrize("old,new", [
    ("\nview count178481\n", "\nview count178,481\n"),
    ("\nview count178481\n", "\nview count1,178,481\n"),
    ("\nview count178481\n", "\nview count1,000,000,000,000,000\n"),
    ("quality: 93", "quality: 100"), ("quality: 93", "quality: 0"), ("quality: 93", "quality: 07"),
    ("last reviewed: 2018-02-10", "last reviewed: never"),
    ("last reviewed: 2018-02-10", "last reviewed: 2020-02-29"),
    ("  • last reviewed: 2018-02-10\n", ""),
    ("\ntopichandling background jobs / next.js\n", "\ntopic\n"),
    ("\ncode languagetypescript\n", "\ncode language\n"),
    ("next.js notes: handling", "  | next.js notes: handling"),
    ("next.js notes: handling", "déjà vu: handling"),
    ("alphanode post meta", "Alpha Node post meta"),
    ("alphanode post meta", "x post meta"),
    ("  • next.js\n  • frontend", "  • next.js\n  - frontend"),
])
def test_edits_it_takes_as_the_python_does(old, new):
    assert agrees(edit(old, new))


@pytest.mark.parametrize("old,new", [
    ("\nview count178481\n", "\nview count178,48\n"),
    ("\nview count178481\n", "\nview count1,2,3\n"),
    ("\nview count178481\n", "\nview count1,000,000,000,000,000,000\n"),
    ("\nview count178481\n", "\nview count1234567890123456789\n"),
    ("quality: 93", "quality: 101"), ("quality: 93", "quality: 930"), ("quality: 93", "quality: "),
    ("last reviewed: 2018-02-10", "last reviewed: 2019-02-29"),
    ("last reviewed: 2018-02-10", "last reviewed: 0000-01-01"),
    ("last reviewed: 2018-02-10", "last reviewed: 2018-13-01"),
    ("last reviewed: 2018-02-10", "last reviewed: yesterday"),
    ("has images: 0", "has images: 2"),
])
def test_values_the_template_does_not_print_are_the_readers(old, new):
    """A number, date or flag the template would not print: not the first match's (the C and the
    Python read the box again as _META_ANY, its values by the full parser's readers), or no match."""
    data = edit(old, new)
    python = fastpage._match(data, "\1")
    assert agrees(data) == (python is not None)
    if python is not None:
        assert python[4] is True and c_match(data)[3] == python[3]


@pytest.mark.parametrize("old,new", [
    ("\ntopichandling", "\ntopic handling"), ("\ntopichandling", "\ntopic\u00a0handling"),
    ("  • context: on", "  • context:  on"), ("  • context: on", "  • context: \u3000on"),
    ("alphanode post meta", "• alphanode post meta"), ("alphanode post meta", "\u00a0alphanode post meta"),
    ("alphanode post meta", "alphanode\u3000 post meta"),
    ("next.js notes: handling", "\u3000next.js notes: handling"),
    ("\nentities\n", "\nentities\n    • name: a    • b\n    • type: c\n"),
    ("document the migration\nentities", "document the migration\n\tx\nentities"),
])
def test_edits_it_leaves_to_the_python(old, new):
    """Pages it does not take (the Python gives None, a warning or another reading): it says None."""
    assert c_match(edit(old, new)) is None


@pytest.mark.parametrize("encode", [
    lambda d: d.replace(b"\n", b"\r\n"), lambda d: b"\xef\xbb\xbf" + d, lambda d: b"\xef\xbb\xbf" + d.replace(b"\n", b"\r\n"),
])
def test_bom_and_crlf_as_the_python_reads_them(encode):
    assert agrees(encode(EXAMPLE))


@pytest.mark.parametrize("data", [
    b"", b"x", b"\n", EXAMPLE.replace(b"\n", b"\r"), EXAMPLE.replace(b"\n", b"\r\r\n", 3), EXAMPLE + b"\x00",
    EXAMPLE.replace(b"alphanode post meta", b"alphanode post meta \n"), EXAMPLE[:-1] + b"\x7f",
    EXAMPLE.replace(b"production checks", b"d\xe9j\xe0 vu"), EXAMPLE + b"\xe9",
    EXAMPLE + b"\xed\xa0\x80", EXAMPLE + b"\xc0\xaf", EXAMPLE + b"\xf4\x90\x80\x80", EXAMPLE + b"\xe2\x80",
    EXAMPLE.replace(b" post meta\n", b" post meta\n", 1) + b"\nfoo post meta\n",
    EXAMPLE.split(b"\nSimilar Posts")[0] + b"\nSimilar Posts", EXAMPLE + b"\nsimilar posts\n",
    EXAMPLE + b"\nSIMILAR POSTS\n", EXAMPLE + "\n\u212a\n".encode(),
])
def test_odd_bytes_agree(data):
    agrees(data)


def test_its_keys_are_the_pythons():
    from copydesk import parse
    text = Path(fastpage.__file__).with_name("_fastmeta.c").read_text()
    for name, keys in (("KEYS", fastpage._KEYS), ("SCALAR_KEYS", parse.SCALAR_KEYS), ("LIST_KEYS", parse.LIST_KEYS)):
        line = text[text.index(f"static const char *{name}[] = {{"):]
        assert line[line.index("{") + 1:line.index("}")].replace("\n", "").replace(" ", "") == \
            ",".join(f'"{k}"' for k in keys).replace(" ", "")


@pytest.mark.parametrize("bullet,entity_bullet", [("  • ", "    • "), ("  - ", "    - "), ("  * ", "    * "),
                                                  ("\t• ", "\t\t• ")])
def test_keys_in_another_order_and_the_other_bullets(bullet, entity_bullet):
    """Blocks in any order, any bullet style of the format: the C takes them, as the Python reads them."""
    rng = random.Random(21)
    head, blocks, tail = meta_blocks()
    assert agrees(restyled(bullet, entity_bullet))
    for _ in range(40):
        shuffled = rng.sample(blocks, len(blocks))
        assert agrees(restyled(bullet, entity_bullet, (head + "\n".join(shuffled) + tail).encode()))


@pytest.mark.parametrize("block", [*UNKNOWN_BLOCKS, "Topicx", "STACK\n  • a", "\u212aey\n  • a", "stac\u212a\n  • a",
                                   "topic" + "x" * 40, "hash tags", "stack\n  • again", "topicagain", "scores\n  • a"])
def test_blocks_the_python_reads_itself_or_declines(block):
    """An unknown key (the Python builds its extra_meta), a key twice, a key line outside ASCII, a key
    in another case: the C says None or agrees."""
    head, blocks, tail = meta_blocks()
    for at in (0, 7, 19):
        agrees((head + "\n".join(blocks[:at][::-1] + [block] + blocks[at:]) + tail).encode())
        agrees((head + "\n".join(blocks[:at] + [block] + blocks[at:]) + tail).encode())


def test_reordered_boxes_with_odd_spacing():
    head, blocks, tail = meta_blocks()
    rev = blocks[::-1]
    for data in ((head + "\n" + "\n".join(rev) + tail), (head + "\n".join(rev[:3] + [rev[3] + "\n"] + rev[4:]) + tail),
                 (head[:-1] + "\n".join(rev) + tail), (head + "\n".join(rev)), (head + "\n".join(rev) + tail + tail)):
        agrees(data.encode())
    assert agrees((head + "\n" + "\n".join(rev) + tail).encode())       # (a blank line more after the header)


def _mutations(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(out))
        kind = rng.random()
        if kind < 0.4:
            out[i] = rng.choice(b"\n\r\t \x00\x7f\x85\xa0\xa9\xe2\x80\xa2\xc3\xed\xf4-*|:,0129eEtTaA")
        elif kind < 0.7:
            out[i:i] = rng.choice([b"\n", b"\r\n", b" ", b"\xe2\x80\xa2", b"\xc2\xa0", b"\xe3\x80\x80", b"eta\n",
                                   b" post meta\n", b"\nSimilar Posts", b"0", b",", b"  \xe2\x80\xa2 x\n"])
        else:
            del out[i:i + rng.randint(1, 5)]
    return bytes(out)


def test_byte_mutations_agree():
    """20,000 pages with random bytes changed, put in or cut out: wherever the C takes one, it is the
    Python's reading; and it still takes the pages whose change left them as the template prints them."""
    rng = random.Random(13)
    taken = 0
    for _ in range(20_000):
        taken += agrees(_mutations(EXAMPLE, rng))
    assert taken > 2_000


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.lists(st.tuples(st.floats(0, 1), TOKENS, st.integers(0, 3)), min_size=1, max_size=3))
def test_random_edits_agree(edits):
    text = EXAMPLE.decode("utf-8")
    for where, token, cut in edits:
        i = int(where * len(text))
        text = text[:i] + token + text[i + cut:]
    agrees(text.encode("utf-8", "surrogatepass"))


def test_a_generated_corpus(tmp_path: Path):
    """Every page of a generated corpus with every irregularity: the same as the Python wherever it
    takes one; it takes the pages the Python's first match takes (most of them), and every page of
    a clean corpus."""
    generate(tmp_path / "c", 600, seed=5)
    pages = [p.read_bytes() for p in sorted((tmp_path / "c" / "pages").rglob("*.txt"))]
    assert sum(agrees(p) for p in pages) >= 0.75 * len(pages)
    generate(tmp_path / "clean", 200, seed=6, irregular=False)
    clean = [p.read_bytes() for p in sorted((tmp_path / "clean" / "pages").rglob("*.txt"))]
    assert all(agrees(p) for p in clean)


def test_not_bytes_is_a_type_error():
    with pytest.raises(TypeError):
        c_match("text")


def test_split_gives_the_columns_arrow_gives(tmp_path: Path, monkeypatch):
    """fastpage.columns with the C split and with Arrow's split and takes: the same columns, on the
    pages of an irregular corpus (NULLs of missing keys, values the readers gave none for, warnings)."""
    generate(tmp_path / "c", 400, seed=11)
    matched = []
    for page in sorted((tmp_path / "c" / "pages").rglob("*.txt")):
        found = fastpage.match(page.read_bytes())
        if found is not None:
            matched.append((found, page.name, "sha"))
    assert len(matched) > 300 and any(m[0][4] for m in matched) and any(m[0][3] for m in matched)
    assert fastpage._c_split is not None
    with_c = fastpage.columns(matched)
    monkeypatch.setattr(fastpage, "_c_split", None)
    with_arrow = fastpage.columns(matched)
    assert with_c.keys() == with_arrow.keys()
    for name in with_c:
        assert with_c[name].equals(with_arrow[name]), name
    assert with_c["extra_meta"].null_count > 0 and with_c["last_reviewed"].null_count > 0


def test_split_errors():
    k = len(fastpage._JOINED)
    with pytest.raises(ValueError):
        _fastmeta.split([b"\0".join([b"x"] * (k - 1))], k)
    with pytest.raises(ValueError):
        _fastmeta.split([b"\0".join([b"x"] * (k + 1))], k)
    with pytest.raises(TypeError):
        _fastmeta.split(["text"], k)
    (valid, offsets, data, nulls), = _fastmeta.split([b"ab", b"\1", b"", b"c"], 1)
    assert (valid, data, nulls) == (bytes([0b1101]), b"abc", 1)
    assert list(memoryview(offsets).cast("i")) == [0, 2, 2, 2, 3]


@pytest.mark.parametrize("where", [0, 5, 19])
def test_unknown_keys_take_the_c_with_the_pythons_extra_meta(where):
    """Keys the format does not know: the C sets their blocks aside, and fastpage._extra_of gives their
    extra_meta, as the Python builds it; a box the Python leaves to the full parser, the C too."""
    head, blocks, tail = meta_blocks()
    for unknown in (UNKNOWN_BLOCKS[:1], UNKNOWN_BLOCKS[4:5], UNKNOWN_BLOCKS, UNKNOWN_BLOCKS[::-1]):
        data = (head + "\n".join(blocks[:where] + unknown + blocks[where:]) + tail).encode()
        assert agrees(data) == (fastpage._match(data, "\1") is not None)
        assert agrees(restyled("  - ", "    - ", data)) == (fastpage._match(restyled("  - ", "    - ", data), "\1") is not None)
    data = (head + "\n".join(blocks[:where] + ["authorjane doe", "tags\n  • a"] + blocks[where:]) + tail).encode()
    assert agrees(data)
    extra = dict(zip(fastpage._JOINED, c_match(data)[1].decode().split("\0")))["extra_meta"]
    assert json.loads(extra) == json.loads(full(data)["extra_meta"]) == {"tags": ["a"], "unparsed lines": ["authorjane doe"]}


def test_unknown_keys_the_extra_function_declines_or_fails(monkeypatch):
    head, blocks, tail = meta_blocks()
    data = (head + "\n".join(["authorjane doe", *blocks]) + tail).encode()
    assert agrees(data)
    try:
        _fastmeta.configure(lambda text: None, fastpage._read_groups)
        assert c_match(data) is None
        _fastmeta.configure(lambda text: 1 / 0, fastpage._read_groups)
        assert c_match(data) is None
    finally:
        _fastmeta.configure(fastpage._extra_of, fastpage._read_groups)
    assert c_match(data) is not None


@pytest.mark.parametrize("old,new", [       # (test_fastpage's bad values, and a few more)
    *BAD_VALUES, ("\nreading time6\n", "\nreading time six\n"), ("quality: 93", "quality: n/a"),
    ("paragraphs: ", "paragraphs: x"), ("seed: ", "seed: -"),
    ("\ncode languagetypescript\n", "\n"), ("\nhash0184114e5dead4716e47365a\n", "\n"),
])
def test_values_the_readers_read_take_the_c_with_the_pythons_warnings(old, new):
    """Numbers, dates and flags that do not parse, and keys missing from the box: the C matches the box
    as _META_ANY does and fastpage._read_groups reads its values, with the full parser's warnings."""
    data = edit(old, new)
    python = fastpage._match(data, "\1")
    assert agrees(data) == (python is not None)          # (" six": no match of _META_ANY either)
    if python is not None:
        assert c_match(data)[3] == python[3] and c_match(data)[4] is True
    head, blocks, tail = meta_blocks(data)
    shuffled = (head + "\n".join(blocks[::-1] + ["authorjane doe"]) + tail).encode()
    assert agrees(shuffled) == (fastpage._match(shuffled, "\1") is not None)


@pytest.mark.parametrize("missing", [[0], [2], [9], [10, 11], [14], [18], list(range(17)), [0, 1, 5, 6, 18]])
def test_missing_keys_take_the_c(missing):
    head, blocks, tail = meta_blocks()
    kept = [b for i, b in enumerate(blocks) if i not in missing]
    assert agrees((head + "\n".join(kept) + tail).encode())
    assert agrees(restyled("\t• ", "\t\t• ", (head + "\n".join(kept[::-1]) + tail).encode()))


def test_the_readers_function_declines_or_fails():
    data = edit("quality: 93", "quality: 130")
    assert agrees(data)
    try:
        for broken in (lambda groups: None, lambda groups: 1 / 0, lambda groups: (["x"], []),
                       lambda groups: (list(groups), [1])):
            _fastmeta.configure(fastpage._extra_of, broken)
            assert c_match(data) is None
    finally:
        _fastmeta.configure(fastpage._extra_of, fastpage._read_groups)
    assert c_match(data) is not None


# --------------------------------------------------------------------------- read_pages: the per-file loop

def _both_ways(paths: list[str], monkeypatch) -> tuple:
    """``importer._process_chunk`` of pages named by their paths, nothing known: with the C read
    (``fastpage.read_pages``) and with the Python's loop over ``_process_item``."""
    from copydesk import importer
    now = importer._now()
    assert fastpage.read_pages is not None
    with_c = importer._process_chunk(list(paths), importer._NOTHING_KNOWN, 3, 100, now)
    with monkeypatch.context() as m:
        m.setattr(fastpage, "read_pages", None)
        one_by_one = importer._process_chunk(list(paths), importer._NOTHING_KNOWN, 3, 100, now)
    return with_c, one_by_one


def _same(with_c, one_by_one) -> None:
    revs, ledger, counts = with_c
    assert counts == one_by_one[2]
    assert ledger.equals(one_by_one[1]), ledger.to_pylist()[:3]
    assert revs.equals(one_by_one[0])


def test_read_pages_gives_the_python_loops_chunk(tmp_path: Path, monkeypatch):
    """A chunk of an irregular corpus (pages the C takes, pages only the Python match takes, pages
    for the full parser, rejected files), and the same pages in a shuffled order: the revisions,
    ledger rows (in input order) and counts of reading each file one by one in Python."""
    generate(tmp_path / "c", 500, seed=21)
    paths = sorted(str(p) for p in (tmp_path / "c" / "pages").rglob("*.txt"))
    then = time.time() - 3600
    for path in paths[::2]:                   # (the others: written just now, their times not kept)
        os.utime(path, (then, then))
    kinds = _fastmeta.read_pages(paths, fastpage.MAX_FILE_BYTES, 0)[0]
    assert kinds.count(0) > 400 and kinds.count(1) > 10 and kinds.count(2) == 0
    with_c, one_by_one = _both_ways(paths, monkeypatch)
    _same(with_c, one_by_one)
    counts = with_c[2]
    assert counts["rejected"] > 0 and counts["warnings"] > 0 and counts["imported"] > 450
    assert 0 < with_c[0].column("source_mtime_ns").null_count < with_c[0].num_rows
    random.Random(4).shuffle(paths)
    _same(*_both_ways(paths, monkeypatch))
    clean = tmp_path / "clean"
    generate(clean, 60, seed=22, irregular=False)
    paths = sorted(str(p) for p in (clean / "pages").rglob("*.txt"))
    assert _fastmeta.read_pages(paths, fastpage.MAX_FILE_BYTES, 0)[0] == bytes(len(paths))   # every page the C's
    _same(*_both_ways(paths, monkeypatch))


def test_read_pages_leaves_the_files_it_cannot_read_to_the_python(tmp_path: Path, monkeypatch):
    """A file that is gone, a folder, a FIFO, a file over the size limit and an empty file: the C reads
    none of them but the last (kind 2, or 1 for the empty one), and the chunk's rows and ledger (each
    with its reason) are the Python's.  A name that is not UTF-8 (given as ``os.fsdecode`` gives it) is
    read as the file of that name."""
    from copydesk import importer
    good = tmp_path / "good.txt"
    good.write_bytes(EXAMPLE)
    (tmp_path / "folder.txt").mkdir()
    os.mkfifo(tmp_path / "fifo.txt")
    (tmp_path / "big.txt").write_bytes(EXAMPLE + b"x" * 4096)
    odd = os.fsencode(str(tmp_path)) + b"/caf\xe9.txt"
    with open(odd, "wb") as fh:
        fh.write(EXAMPLE.replace(b"alphanode-006908", b"alphanode-000001"))
    (tmp_path / "empty.txt").write_bytes(b"")
    paths = [str(good), str(tmp_path / "gone.txt"), str(tmp_path / "folder.txt"), str(tmp_path / "fifo.txt"),
             str(tmp_path / "big.txt"), os.fsdecode(odd), str(tmp_path / "empty.txt"), str(good)]
    then = time.time() - 3600
    os.utime(good, (then, then))
    monkeypatch.setattr(importer, "MAX_FILE_BYTES", len(EXAMPLE) + 100)
    kinds, results, shas, sizes, mtimes, ids, warned, messages = _fastmeta.read_pages(paths, len(EXAMPLE) + 100, 0)
    assert list(kinds) == [0, 2, 2, 2, 2, 0, 1, 0]
    assert results[0] == fastpage.match(EXAMPLE) and results[6] == b"" and results[1] is None
    assert ids[:1] + ids[5:] == ["alphanode-006908", "alphanode-000001", None, "alphanode-006908"]
    assert sizes[0] == len(EXAMPLE) and shas[0] == __import__("hashlib").sha256(EXAMPLE).hexdigest()
    assert mtimes[0] == good.stat().st_mtime_ns and warned[0] == 0 and messages[0] is None
    assert _fastmeta.read_pages([str(good)], len(EXAMPLE) + 100, 10**15)[4] == [None]   # "just written"
    del paths[5]                # (a chunk names such a file by its escaped name: not a plain path, see _pack)
    with_c, one_by_one = _both_ways(paths, monkeypatch)
    _same(with_c, one_by_one)
    # a file that reads other than its size says (Linux's /proc: size 0): the Python reads it to its end
    if os.path.exists("/proc/version") and os.stat("/proc/version").st_size == 0:
        assert _fastmeta.read_pages(["/proc/version"], 1 << 20, 0)[0] == b"\2"
        proc = _both_ways(["/proc/version"], monkeypatch)
        _same(*proc)
        assert proc[0][1].column("size_bytes").to_pylist() == [len(Path("/proc/version").read_bytes())] != [0]
    ledger = with_c[1].to_pylist()
    assert [r["outcome"] for r in ledger] == ["imported", "rejected", "rejected", "rejected", "rejected",
                                              "rejected", "imported"]
    assert ledger[1]["message"].startswith("unreadable: ") and "too large" in ledger[4]["message"]
    assert ledger[3]["message"] == "not a regular file: not read" and ledger[5]["message"] == "empty file"
    assert with_c[0].column("source_file").to_pylist() == [paths[0], paths[6]]
    assert with_c[0].column("source_mtime_ns").to_pylist() == [good.stat().st_mtime_ns] * 2


def test_read_pages_warnings_as_the_ledger_writes_them(monkeypatch):
    """A page the C takes with warnings (values the full parser's readers warn about): its ledger
    message and count are the Python's, and a message longer than 2,000 characters is cut there."""
    import tempfile
    data = EXAMPLE.replace(b"\n  \xe2\x80\xa2 quality: ", b"\n  \xe2\x80\xa2 quality: n/a", 1)
    found = fastpage.match(data)
    assert found is not None and found[3]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "warned.txt")
        with open(path, "wb") as fh:
            fh.write(data)
        kinds, results, _shas, _sizes, _mtimes, _ids, warned, messages = _fastmeta.read_pages([path], 1 << 20, 0)
        assert kinds == b"\0" and warned == [len(found[3])] and messages == ["; ".join(found[3])[:2000]]
        _same(*_both_ways([path], monkeypatch))


def test_read_pages_errors():
    with pytest.raises(TypeError):
        _fastmeta.read_pages(("a",), 10, 0)
    assert _fastmeta.read_pages([b"bytes", 3], 10, 0)[0] == b"\2\2"
    assert _fastmeta.read_pages([], 10, 0) == (b"", [], [], [], [], [], [], [])
