"""Property-based fuzz of the parser and the archive reader (issue 12): whatever the bytes, the
file names or the archive's shape (duplicates, links, truncation, flipped bytes), reading never
raises, every input gets exactly one ledger row under a unique name, and memory stays within a
bound.  Budget: about 15 s for the whole file (``max_examples`` below)."""

from __future__ import annotations

import io
import tarfile
import tracemalloc
import warnings
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copydesk import importer
from copydesk.importer import process_chunk
from copydesk.sources import iter_upload

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

LINES = st.sampled_from([
    "| | |", "", "title line", "x post meta", "alphanode post meta", "  • quality: 9x", "score", "revision",
    "  • last reviewed: 2020-13-01", "view count99999999999999999999999", "entities", "    • type: x",
    "Similar Posts", "reading time", "payload", "  • source id: ", "hash", "- a", "\t• b: c", "tag: t1",
    "tag: t2", "  • source id: [x](http://evil.example)", "=HYPERLINK(\"http://evil.example\")",
])
TEXT = st.lists(LINES | st.text(max_size=30), max_size=30).map("\n".join)
ENCODED = st.one_of(
    TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
    TEXT.map(lambda t: t.encode("utf-16")),
    st.tuples(TEXT, st.binary(max_size=8)).map(lambda p: p[0].encode("utf-8", "surrogatepass") + p[1]),
    st.binary(max_size=400),
)
RECORD = st.one_of(
    st.binary(max_size=200),
    st.dictionaries(st.sampled_from(["post_id", "id", "title", "body", "view_count", "stack", "extra_meta",
                                     "last_reviewed", "score_quality", "warnings"]),
                    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
                    | st.lists(st.text(max_size=5), max_size=3), max_size=6)
    .map(lambda d: __import__("json").dumps(d).encode()),
    st.sampled_from([b'{"title": "\\udcff lone", "body": "\\ud800"}', b"[1, 2]", b"{" * 5000, b"\x00\xff"]),
)
NAME = st.one_of(
    st.sampled_from(["posts/same.txt", "a.txt", "b.jsonl", "c.ndjson", "d.zip", "e.bin", "../../etc/x.txt",
                     "dir/", "same.txt#2", "\x1b[31m.txt"]),
    st.text(min_size=1, max_size=12).map(lambda s: s + ".txt"),
)
MEMBER = st.tuples(NAME, ENCODED | RECORD.map(lambda r: r + b"\n" + r))


def zip_bytes(members, mangle: int) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in members:
                zf.writestr(name, data)
    return _mangle(buf.getvalue(), mangle)


def tar_bytes(members, mangle: int, kinds) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for (name, data), kind in zip(members, kinds):
            info = tarfile.TarInfo(name.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
            if kind == tarfile.REGTYPE:
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
            else:
                info.type, info.linkname = kind, "a.txt"
                tf.addfile(info)
    return _mangle(buf.getvalue(), mangle)


def _mangle(data: bytes, how: int) -> bytes:
    """0: intact; 1: truncated; 2: one byte flipped in the middle."""
    if how == 1:
        return data[: len(data) * 2 // 3]
    if how == 2 and data:
        i = len(data) // 2
        return data[:i] + bytes([data[i] ^ 0x5A]) + data[i + 1:]
    return data


def check(filename: str, data: bytes) -> None:
    """Read ``data`` as an upload named ``filename`` and process it as the importer does:
    nothing raises, one ledger row per input, unique names, bounded memory."""
    tracemalloc.start()
    try:
        items = list(iter_upload(filename, data))
        revs, ledger, counts = process_chunk(items, {}, 1, 1, importer._now())
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    names = ledger.column("source_file").to_pylist()
    assert len(items) >= 1 and ledger.num_rows == len(items)
    assert len(set(names)) == len(names), names
    assert sum(counts[k] for k in importer.OUTCOMES) == len(items)
    assert revs.num_rows == counts["imported"]
    for name in names:
        name.encode("utf-8")                       # storable text
    assert peak < 32 * 1024 * 1024 + 40 * len(data), peak


@FUZZ
@given(ENCODED, st.sampled_from(["p.txt", "p.TXT"]))
def test_fuzz_pages(data, filename):
    check(filename, data)


@FUZZ
@given(st.lists(RECORD, max_size=6))
def test_fuzz_json_lines(records):
    check("r.jsonl", b"\n".join(records))


@FUZZ
@given(st.lists(MEMBER, max_size=6), st.integers(0, 2))
def test_fuzz_zip_archives(members, mangle):
    check("a.zip", zip_bytes(members, mangle))


@FUZZ
@given(st.lists(MEMBER, max_size=6), st.integers(0, 2), st.data())
def test_fuzz_tar_archives(members, mangle, data):
    kinds = data.draw(st.lists(st.sampled_from([tarfile.REGTYPE] * 4 + [tarfile.SYMTYPE, tarfile.LNKTYPE,
                                                                        tarfile.FIFOTYPE, tarfile.CHRTYPE]),
                               min_size=len(members), max_size=len(members)))
    check("a.tar.gz", tar_bytes(members, mangle, kinds))
