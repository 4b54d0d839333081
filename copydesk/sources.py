"""Enumerate input files: plain files, folders (recursive), ``.zip`` and tar archives, uploads.

Archives are read in place (never extracted to disk) and streamed: one member's bytes at a
time.  Each input is yielded as an :class:`Item` whose ``source_file`` is its stable, unique
name in the ledger: the absolute path of a file, ``/abs/archive.zip::member/path.txt`` for an
archive member (``…::member/path.txt#2`` for the second member of that name, and so on, in
the archive's order), ``/abs/posts.jsonl:LINE`` for a JSON Lines record, and
``upload:<16 hex of the sha256>/<name>`` for a file uploaded in the dashboard.  An item that
cannot be read carries a ``reject`` reason instead of data: every input gets a ledger row.

Limits (each rejects the input it concerns, with the reason, and goes on with the others):

- a page (a plain file or an archive member) holds at most ``MAX_FILE_BYTES`` (64 MiB); a
  JSON Lines line at most ``MAX_LINE_BYTES`` (64 MiB); a JSON Lines file or an archive is read
  up to ``MAX_STREAM_BYTES`` (16 GiB expanded), the rest gets one rejected row;
- an archive member expanding more than ``MAX_RATIO`` (200) times its compressed size once
  past ``MIN_RATIO_BYTES`` (1 MiB) is a bomb, and so is a member that would bring the members
  kept so far past 200 times the archive's compressed bytes (read so far): zip members by
  their declared sizes (which the reader enforces), tar members by the compressed bytes
  actually consumed (a counting reader under the decompressor), checked every MiB read;
- only regular files are opened: a FIFO, socket or device (or a symlink to one), and a tar
  member that is a symlink, hardlink, device or FIFO, is rejected before any read.
"""

from __future__ import annotations

import hashlib
import io
import operator
import os
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from .parse import MAX_FILE_BYTES

PAGE_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
ZIP_SUFFIXES = (".zip",)
TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")
ARCHIVE_SEP = "::"
MAX_RATIO = 200            # expansion ratio above which a compressed member (or archive) is a bomb
MIN_RATIO_BYTES = 1 << 20  # ... once it expands past 1 MiB
MAX_LINE_BYTES = MAX_FILE_BYTES   # one JSON Lines line
MAX_STREAM_BYTES = 16 << 30       # one archive (expanded) or JSON Lines file
READ_BLOCK = 1 << 20       # archive members are read (and their ratio checked) a MiB at a time
_TAR_SLACK = 1 << 14       # compressed bytes the decompressor may have read ahead of a member


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


def display_name(name: str) -> str:
    """A name made storable text: bytes that are not UTF-8 (a file name read as
    ``surrogateescape``) become ``\\xNN`` escapes."""
    if name.isascii():
        return name
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        try:
            raw = name.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            raw = name.encode("utf-8", "surrogatepass")
        return raw.decode("utf-8", "backslashreplace")


def _file_type(mode: int) -> str:
    for test, what in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return what
    return "not a regular file"


def _not_regular(name: str, what: str) -> Item:
    return Item(display_name(name), "other", reject=f"not a regular file ({what}): not opened")


def iter_items(paths: list[str | os.PathLike], runs: bool = False) -> Iterator[Item | list[str]]:
    """Every input below ``paths``, in a stable order.  With ``runs``, a folder that holds only
    plain pages (regular ``.txt`` files, ASCII paths: the usual corpus) comes as one list of their
    paths, each the page's name as well (the importer takes them so, without an :class:`Item` each)."""
    for raw in paths:
        p = Path(raw)
        if not p.exists() and not p.is_symlink():
            raise FileNotFoundError(f"no such file or folder: {raw}")
        if p.is_dir():
            yield from _walk(str(p.resolve()), runs)
        else:
            yield from _file_items(str(p.resolve()) if p.exists() else str(p.absolute()))


_NAME = operator.attrgetter("name")
_PATH = operator.attrgetter("path")
_IS_FILE = operator.methodcaller("is_file", follow_symlinks=False)


def _walk(folder: str, runs: bool = False) -> Iterator[Item | list[str]]:
    """A folder's files (sorted), then its sub-folders' (sorted, recursively; symlinked folders
    are not followed).  Only regular files (or symlinks to one) are yielded to be read.  With
    ``runs`` a folder of plain pages only is yielded as the list of their paths (see iter_items)."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=_NAME)
    except OSError as exc:
        yield Item(display_name(folder), "other", reject=f"unreadable folder: {exc.strerror or exc}")
        return
    if runs and entries and _plain_pages(folder, entries):
        yield list(map(_PATH, entries))
        return
    folders = []
    for e in entries:
        try:
            if e.is_file(follow_symlinks=False):             # d_type: no system call
                path = e.path
                if e.name.lower().endswith(PAGE_SUFFIXES):   # the hot path (_file_items' first case, inline)
                    yield Item(display_name(path), "page", path)
                else:
                    yield from _file_items(path, regular=True)
            elif e.is_dir(follow_symlinks=False):
                folders.append(e.path)
            elif e.is_symlink():
                yield from _symlink_item(e.path)
            else:
                yield _not_regular(e.path, _file_type(e.stat(follow_symlinks=False).st_mode))
        except OSError as exc:
            yield Item(display_name(e.path), "other", reject=f"unreadable: {exc.strerror or exc}")
    for sub in folders:
        yield from _walk(sub, runs)


def _plain_pages(folder: str, entries: list) -> bool:
    """Whether a folder's entries are all plain pages: regular files (scandir's types: no system
    call where the file system gives them) named ``*.txt``, with ASCII paths.  An entry whose type
    cannot be read sends the folder to the walk's one-by-one loop, which says what is wrong."""
    try:
        if not all(map(_IS_FILE, entries)):
            return False
    except OSError:
        return False
    joined = "\0".join(map(_NAME, entries)).lower() + "\0"
    pages = sum(joined.count(suffix + "\0") for suffix in PAGE_SUFFIXES)  # (no name holds a NUL)
    return pages == len(entries) and folder.isascii() and joined.isascii()


def _symlink_item(path: str) -> Iterator[Item]:
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        yield Item(display_name(path), "other", reject=f"unreadable: {exc.strerror or exc}")
        return
    if stat.S_ISDIR(mode):
        return                         # a symlinked folder is not followed (as os.walk)
    if stat.S_ISREG(mode):
        yield from _file_items(path, regular=True)
    else:
        yield _not_regular(path, f"a symlink to {_file_type(mode)}")


def _file_items(name: str, regular: bool = False) -> Iterator[Item]:
    """The items of one file, ``name`` an absolute path (``regular``: known to be a regular file)."""
    kind = kind_of(name)
    src = display_name(name)
    if kind == "page" and regular:   # the hot path: size and readability are checked by the reader
        yield Item(src, kind, path=name)
        return
    try:
        st = os.stat(name)
    except OSError as exc:
        yield Item(src, "other", reject=f"unreadable: {exc.strerror or exc}")
        return
    if not stat.S_ISREG(st.st_mode):
        yield _not_regular(name, _file_type(st.st_mode))
        return
    if kind == "page":
        yield Item(src, kind, path=name, size=st.st_size)
    elif kind == "zip":
        yield from _zip_items(name, src)
    elif kind == "tar":
        yield from _tar_items(name, src)
    elif kind == "jsonl":
        try:
            with open(name, "rb") as fh:
                yield from jsonl_items(fh, src)
        except OSError as exc:
            yield Item(src, "other", reject=f"unreadable: {exc.strerror or exc}")
    else:
        yield Item(src, "other", size=st.st_size, reject=_unsupported(name))


def jsonl_items(fh, name: str) -> Iterator[Item]:
    """One item per non-blank line of a JSON Lines stream, named ``file:LINE``; a line longer
    than ``MAX_LINE_BYTES`` is rejected (and skipped without being held), a stream longer than
    ``MAX_STREAM_BYTES`` is read that far."""
    count = total = lineno = 0
    while True:
        line = fh.readline(MAX_LINE_BYTES + 1)
        if not line:
            break
        lineno += 1
        total += len(line)
        if total > MAX_STREAM_BYTES:
            yield Item(f"{name}:{lineno}-", "jsonl",
                       reject=f"JSON Lines file longer than {MAX_STREAM_BYTES} bytes: the rest is not read")
            return
        if len(line) > MAX_LINE_BYTES:
            size = len(line) + _skip_line(fh)
            total += size - len(line)
            count += 1
            yield Item(f"{name}:{lineno}", "record", size=size,
                       reject=f"JSON Lines line too long ({size} bytes > {MAX_LINE_BYTES})")
            continue
        if not line.strip():
            continue
        count += 1
        yield Item(f"{name}:{lineno}", "record", data=line, size=len(line))
    if count == 0:
        yield Item(name, "jsonl", size=0, reject="JSON Lines file holds no records")


def _skip_line(fh) -> int:
    """Read past the end of the current line; returns the bytes skipped."""
    skipped = 0
    while True:
        block = fh.readline(READ_BLOCK)
        skipped += len(block)
        if not block or block.endswith(b"\n") or skipped > MAX_STREAM_BYTES:
            return skipped


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


def _archive_reject(expanded: int, compressed: int) -> str | None:
    """The archive-wide budget: ``expanded`` bytes read so far from ``compressed`` bytes."""
    if expanded > MAX_STREAM_BYTES:
        return f"archive expands past {MAX_STREAM_BYTES} bytes: the rest is not read"
    if expanded > MIN_RATIO_BYTES and expanded > MAX_RATIO * max(compressed, 1):
        return f"archive expands more than {MAX_RATIO}x ({compressed} → {expanded} bytes): archive bomb"
    return None


def _unsupported(name: str) -> str:
    return f"not a page dump or JSON Lines file ({Path(name).suffix or 'no extension'})"


class _Names:
    """Unique source names inside one archive: the second member called ``x`` is ``x#2``."""

    def __init__(self, archive: str):
        self.archive, self.used = archive, set()

    def __call__(self, member: str) -> str:
        base = f"{self.archive}{ARCHIVE_SEP}{display_name(member)}"
        name, n = base, 1
        while name in self.used:
            n += 1
            name = f"{base}#{n}"
        self.used.add(name)
        return name


def _zip_items(p, name: str) -> Iterator[Item]:
    """Members of a zip archive ``p`` (a path or a seekable binary file object), one at a time."""
    try:
        zf = zipfile.ZipFile(p)
        archive_size = os.stat(p).st_size if isinstance(p, (str, os.PathLike)) else p.seek(0, 2)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        yield Item(name, "other", reject=f"unreadable zip archive: {exc}")
        return
    names, expanded = _Names(name), 0
    with zf:
        for info in sorted(zf.infolist(), key=lambda i: i.filename):   # stable: same names keep their order
            if info.is_dir():
                continue
            src = names(info.filename)
            kind = kind_of(info.filename)
            reason = _member_reject(info.filename, info.file_size, info.compress_size)
            if reason is None:
                expanded += info.file_size
                reason = _archive_reject(expanded, archive_size)
            if reason:
                yield Item(src, kind, size=info.file_size, reject=reason)
                continue
            try:
                with zf.open(info) as fh:       # the reader stops at the declared size
                    data = fh.read(info.file_size + 1)
            except Exception as exc:     # a corrupt member: zlib, lzma, bz2, CRC, encryption … errors
                yield Item(src, kind, size=info.file_size, reject=f"unreadable archive member: {type(exc).__name__}: {exc}")
                continue
            if kind == "jsonl":
                yield from jsonl_items(io.BytesIO(data), src)
            else:
                yield Item(src, kind, data=data, size=len(data))
            del data
    if not names.used:
        yield Item(name, "other", size=archive_size, reject="archive holds no files")


class _Counting:
    """A binary reader counting the bytes read through it (the compressed bytes of a tar)."""

    def __init__(self, fh):
        self.fh, self.count = fh, 0

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.count += len(data)
        return data


_TAR_LINKS = ((tarfile.TarInfo.issym, "a symlink"), (tarfile.TarInfo.islnk, "a hardlink"),
              (tarfile.TarInfo.ischr, "a character device"), (tarfile.TarInfo.isblk, "a block device"),
              (tarfile.TarInfo.isfifo, "a FIFO"))


def _tar_member_kind(member: tarfile.TarInfo) -> str | None:
    """Why a tar member that is not a regular file is not read (None for a regular file or a folder)."""
    if member.isfile() or member.isdir():
        return None
    for test, what in _TAR_LINKS:
        if test(member):
            target = f" to {display_name(member.linkname)}" if member.linkname else ""
            return f"tar member is {what}{target}: not read"
    return "tar member is not a regular file: not read"


def _tar_items(p, name: str) -> Iterator[Item]:
    """Members of a tar archive ``p`` (a path or a binary file object), streamed: each member is
    read a MiB at a time under the member and archive ratio rules (the compressed bytes counted
    under the decompressor), so a bomb is stopped after at most one block past the rule."""
    try:
        raw = open(p, "rb") if isinstance(p, (str, os.PathLike)) else p
    except OSError as exc:
        yield Item(name, "other", reject=f"unreadable tar archive: {exc.strerror or exc}")
        return
    counter = _Counting(raw)
    try:
        try:
            tf = tarfile.open(fileobj=counter, mode="r|*")     # streaming: one pass, nothing on disk
        except (tarfile.TarError, OSError, EOFError) as exc:
            yield Item(name, "other", reject=f"unreadable tar archive: {exc}")
            return
        yield from _tar_members(tf, counter, name)
    finally:
        if raw is not p:
            raw.close()


def _tar_members(tf: tarfile.TarFile, counter: _Counting, name: str) -> Iterator[Item]:
    """The members of an open tar stream.  ``kept``: the bytes of the members read so far (the
    archive ratio rule); ``expanded``: every byte decompressed, skipped members included (the
    archive's ``MAX_STREAM_BYTES``)."""
    names, expanded, kept = _Names(name), 0, 0
    try:
        with tf:
            for member in tf:
                if member.isdir():
                    continue
                src = names(member.name)
                kind = kind_of(member.name)
                reason = _tar_member_kind(member) or _member_reject(member.name, member.size, None)
                if reason:
                    yield Item(src, kind, size=member.size, reject=reason)
                    expanded += member.size if member.isfile() else 0    # skipping it reads it through
                    if expanded > MAX_STREAM_BYTES:
                        yield Item(names("(rest)"), "other", reject=_archive_reject(expanded, 0))
                        return
                    continue
                data, reason, stop = _read_tar_member(tf, member, counter, kept)
                expanded += member.size             # read whole, or read through to skip it
                if data is not None:
                    kept += len(data)
                if reason is None and expanded > MAX_STREAM_BYTES:
                    reason = stop = _archive_reject(expanded, 0)
                if reason:
                    yield Item(src, kind, size=member.size, reject=reason)
                    if stop:
                        yield Item(names("(rest)"), "other", reject=stop)
                        return
                    continue
                if kind == "jsonl":
                    yield from jsonl_items(io.BytesIO(data), src)
                else:
                    yield Item(src, kind, data=data, size=len(data))
                del data
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        yield Item(names("(rest)"), "other", reject=f"archive is truncated or corrupt: {exc}")
        return
    if not names.used:
        yield Item(name, "other", reject="archive holds no files")


def _read_tar_member(tf, member, counter: _Counting, kept: int) -> tuple[bytes | None, str | None, str | None]:
    """(data, reject reason, reason to stop reading the archive) of one regular tar member;
    ``kept``: the bytes of the members kept before it (the archive ratio rule)."""
    fh = tf.extractfile(member)
    if fh is None:
        return b"", None, None
    start, parts, got = counter.count, [], 0
    while True:
        block = fh.read(READ_BLOCK)
        if not block:
            break
        got += len(block)
        parts.append(block)
        if got > MAX_FILE_BYTES:
            return None, "archive member larger than declared: tar bomb", None
        consumed = counter.count - start + _TAR_SLACK
        if got > MIN_RATIO_BYTES and got > MAX_RATIO * consumed:
            return None, f"archive member expands more than {MAX_RATIO}x ({got} bytes from about {consumed}): tar bomb", None
        reason = _archive_reject(kept + got, counter.count)
        if reason:              # the members kept so far and this one: over the archive budget
            return None, reason, None
    return b"".join(parts), None, None


def upload_name(filename: str, fh: BinaryIO) -> str:
    """``upload:<16 hex of the sha256 of the bytes>/<file name>``: two different uploads of the
    same name are two inputs, the same bytes uploaded again are the same one."""
    h = hashlib.sha256()
    fh.seek(0)
    for block in iter(lambda: fh.read(READ_BLOCK), b""):
        h.update(block)
    fh.seek(0)
    return f"upload:{h.hexdigest()[:16]}/{display_name(filename)}"


def iter_upload(filename: str, data: bytes | BinaryIO) -> Iterator[Item]:
    """Items of one file uploaded through the dashboard (its bytes or a seekable binary file
    object, read as a stream), named :func:`upload_name`."""
    fh = io.BytesIO(data) if isinstance(data, (bytes, bytearray, memoryview)) else data
    name = upload_name(filename, fh)
    kind = kind_of(filename)
    if kind == "zip":
        yield from _zip_items(fh, name)
    elif kind == "tar":
        yield from _tar_items(fh, name)
    elif kind == "jsonl":
        yield from jsonl_items(fh, name)
    elif kind == "page":
        page = fh.read(MAX_FILE_BYTES + 1)
        if len(page) > MAX_FILE_BYTES:
            yield Item(name, kind, size=len(page), reject=f"file too large (more than {MAX_FILE_BYTES} bytes)")
        else:
            yield Item(name, kind, data=page, size=len(page))
    else:
        yield Item(name, "other", reject=_unsupported(filename))
