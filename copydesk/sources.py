"""Enumerate input files: plain files, folders (recursive), ``.zip`` and ``.tar.gz`` archives.

Archives are read in place (never extracted to disk).  Each input is yielded as an
:class:`Item` whose ``source_file`` is its stable name in the ledger: the
absolute path of a file, or ``/abs/archive.zip::member/path.txt`` for an archive
member.  An item that cannot be read carries a ``reject`` reason instead of data.
"""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .parse import MAX_FILE_BYTES

PAGE_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
ZIP_SUFFIXES = (".zip",)
TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")
ARCHIVE_SEP = "::"
MAX_RATIO = 200          # expansion ratio above which a compressed member is a bomb
MIN_RATIO_BYTES = 1 << 20  # ... once it expands past 1 MiB


@dataclass(slots=True)
class Item:
    source_file: str
    kind: str                 # page | record (one JSON Lines line) | jsonl | other
    path: str | None = None   # a plain file to read lazily (in a worker)
    data: bytes | None = None  # bytes already read (archive members)
    size: int | None = None
    reject: str | None = None


def kind_of(name: str) -> str:
    low = name.lower()
    if low.endswith(PAGE_SUFFIXES):
        return "page"
    if low.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if low.endswith(ZIP_SUFFIXES):
        return "zip"
    if low.endswith(TAR_SUFFIXES):
        return "tar"
    return "other"


def iter_items(paths: list[str | os.PathLike]) -> Iterator[Item]:
    """Every input below ``paths``, in a stable order."""
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise FileNotFoundError(f"no such file or folder: {raw}")
        if p.is_dir():
            for root, dirs, files in os.walk(p.resolve()):
                dirs.sort()
                for name in sorted(files):
                    yield from _file_items(os.path.join(root, name))
        else:
            yield from _file_items(str(p.resolve()))


def _file_items(name: str) -> Iterator[Item]:
    """The items of one file, ``name`` an absolute path."""
    kind = kind_of(name)
    if kind == "page":      # the hot path: size and readability are checked by the reader
        yield Item(name, kind, path=name)
        return
    p = Path(name)
    try:
        size = os.stat(name).st_size
    except OSError as exc:
        yield Item(name, "other", reject=f"unreadable: {exc.strerror or exc}")
        return
    if kind == "zip":
        yield from _zip_items(p, name)
    elif kind == "tar":
        yield from _tar_items(p, name)
    elif kind == "jsonl":
        try:
            with open(p, "rb") as fh:
                yield from jsonl_items(fh, name)
        except OSError as exc:
            yield Item(name, "other", reject=f"unreadable: {exc.strerror or exc}")
    else:
        yield Item(name, "other", size=size, reject=_unsupported(name))


def jsonl_items(fh, name: str) -> Iterator[Item]:
    """One item per non-blank line of a JSON Lines stream, named ``file:LINE``."""
    count = 0
    for lineno, line in enumerate(fh, start=1):
        if not line.strip():
            continue
        count += 1
        yield Item(f"{name}:{lineno}", "record", data=line, size=len(line))
    if count == 0:
        yield Item(name, "jsonl", size=0, reject="JSON Lines file holds no records")


def _member_reject(name: str, size: int, compressed: int | None) -> str | None:
    if size > MAX_FILE_BYTES:
        return f"archive member too large ({size} bytes > {MAX_FILE_BYTES}): possible zip bomb"
    if compressed is not None and size > MIN_RATIO_BYTES and size > MAX_RATIO * max(compressed, 1):
        return f"archive member expands {size // max(compressed, 1)}x ({compressed} → {size} bytes): zip bomb"
    kind = kind_of(name)
    if kind in ("zip", "tar"):
        return "nested archive: extract it or import it separately"
    if kind == "other":
        return _unsupported(name)
    return None


def _unsupported(name: str) -> str:
    return f"not a page dump or JSON Lines file ({Path(name).suffix or 'no extension'})"


def _zip_items(p, name: str) -> Iterator[Item]:
    """Members of a zip archive ``p`` (a path or a binary file object)."""
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError) as exc:
        yield Item(name, "other", reject=f"unreadable zip archive: {exc}")
        return
    with zf:
        for info in sorted(zf.infolist(), key=lambda i: i.filename):
            if info.is_dir():
                continue
            src = f"{name}{ARCHIVE_SEP}{info.filename}"
            kind = kind_of(info.filename)
            reason = _member_reject(info.filename, info.file_size, info.compress_size)
            if reason:
                yield Item(src, kind, size=info.file_size, reject=reason)
                continue
            try:
                with zf.open(info) as fh:
                    data = fh.read(MAX_FILE_BYTES + 1)   # never trust the declared size
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, ValueError) as exc:
                yield Item(src, kind, size=info.file_size, reject=f"unreadable archive member: {exc}")
                continue
            if len(data) > MAX_FILE_BYTES:
                yield Item(src, kind, size=len(data), reject="archive member larger than declared: zip bomb")
                continue
            if kind == "jsonl":
                yield from jsonl_items(io.BytesIO(data), src)
            else:
                yield Item(src, kind, data=data, size=len(data))


def _tar_items(p, name: str) -> Iterator[Item]:
    """Members of a tar archive ``p`` (a path or a binary file object), streamed."""
    try:
        if isinstance(p, (str, os.PathLike)):
            tf = tarfile.open(p, mode="r|*")     # streaming: one pass, nothing on disk
            compressed = Path(p).stat().st_size
        else:
            tf = tarfile.open(fileobj=p, mode="r|*")
            compressed = p.getbuffer().nbytes if hasattr(p, "getbuffer") else MIN_RATIO_BYTES
    except (tarfile.TarError, OSError) as exc:
        yield Item(name, "other", reject=f"unreadable tar archive: {exc}")
        return
    expanded = 0
    try:
        with tf:
            for member in tf:
                if not member.isfile():
                    continue
                src = f"{name}{ARCHIVE_SEP}{member.name}"
                kind = kind_of(member.name)
                reason = _member_reject(member.name, member.size, None)
                expanded += member.size
                if reason is None and expanded > MIN_RATIO_BYTES * 64 and expanded > MAX_RATIO * 10 * compressed:
                    reason = f"archive expands more than {MAX_RATIO * 10}x: tar bomb"
                if reason:
                    yield Item(src, kind, size=member.size, reject=reason)
                    continue
                fh = tf.extractfile(member)
                data = fh.read() if fh is not None else b""
                if kind == "jsonl":
                    yield from jsonl_items(io.BytesIO(data), src)
                else:
                    yield Item(src, kind, data=data, size=len(data))
    except (tarfile.TarError, OSError, EOFError) as exc:
        yield Item(f"{name}{ARCHIVE_SEP}(rest)", "other", reject=f"archive is truncated or corrupt: {exc}")


def iter_upload(filename: str, data: bytes) -> Iterator[Item]:
    """Items of one file uploaded through the dashboard, named ``upload:<filename>``."""
    name = f"upload:{filename}"
    kind = kind_of(filename)
    if kind == "zip":
        yield from _zip_items(io.BytesIO(data), name)
    elif kind == "tar":
        yield from _tar_items(io.BytesIO(data), name)
    elif kind == "jsonl":
        yield from jsonl_items(io.BytesIO(data), name)
    elif kind == "page":
        yield Item(name, kind, data=data, size=len(data))
    else:
        yield Item(name, "other", size=len(data), reject=_unsupported(filename))
