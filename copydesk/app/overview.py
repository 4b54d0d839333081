"""The Overview page's data: what the database holds, the import history, rejected files, uploads."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, fields
from itertools import chain
from typing import Callable

import pandas as pd
import streamlit as st

from .. import export, queries
from ..importer import ImportSummary, import_paths
from ..sources import iter_upload
from .common import Connection, cached_read, csv_of, database, stop_on_error, wrote

ALL = 2**62          # "no limit": the downloads hold every row


@dataclass(frozen=True)
class Figures:
    """Counts over the current posts (``overview/figures``)."""
    posts: int
    sites: int
    flagged: int             # needs human review
    never_reviewed: int
    drafts: int              # status drafted or in review
    with_warnings: int       # parse warnings
    without_meta: int        # no metadata box
    batches: int             # import batches ever run
    rejected_last_batch: int


@cached_read
def figures(con: Connection) -> Figures:
    """What the database holds now."""
    row = queries.run(con, "overview/figures").df().iloc[0]
    return Figures(**{f.name: int(row[f.name]) for f in fields(Figures)})


@cached_read
def posts_by_site_status(con: Connection) -> pd.DataFrame:
    """Columns ``site``, ``status``, ``posts``: current posts per site and status (``(no site)``,
    ``(no status)`` for missing values)."""
    return queries.run(con, "overview/posts_by_site_status").df()


def site_status_table(by_site: pd.DataFrame) -> pd.DataFrame:
    """:func:`posts_by_site_status` as a table: one row per site, one column per status."""
    return by_site.pivot_table(index="site", columns="status", values="posts", fill_value=0, aggfunc="sum")


@cached_read
def import_history(con: Connection, limit: int = 50) -> pd.DataFrame:
    """The latest ``limit`` import batches, newest first: ``batch_id``, ``started_at``, ``finished_at``,
    ``status``, ``source``, ``files_seen``, ``imported``, ``updated``, ``unchanged``, ``rejected``,
    ``warnings``."""
    return queries.run(con, "overview/import_history", limit=limit).df()


@cached_read
def rejected_files(con: Connection, limit: int = 500) -> pd.DataFrame:
    """The latest ``limit`` rejected files, newest batch first: ``batch_id``, ``source_file``,
    ``reason``, ``size_bytes``, ``sha256``."""
    return queries.run(con, "overview/rejected_files", limit=limit).df()


def import_history_csv() -> Callable[[], bytes]:
    """Every import batch as CSV, made when the download is clicked."""
    return csv_of(lambda con: export.csv_bytes_of(con, queries.statement("overview/import_history",
                                                                         {"limit": ALL})))


def rejected_files_csv() -> Callable[[], bytes]:
    """Every rejected file as CSV, made when the download is clicked."""
    return csv_of(lambda con: export.csv_bytes_of(con, queries.statement("overview/rejected_files",
                                                                         {"limit": ALL})))


def import_uploads(uploads, bar) -> ImportSummary:
    """Import files uploaded with ``st.file_uploader`` (page dumps, JSON Lines, zip archives) as one
    batch; ``bar`` is an ``st.progress`` that follows the inputs done.  Each upload is read as a
    stream (one archive member at a time, never a list of them) and named by its content hash
    (``sources.upload_name``), so two different files of one name never replace each other's
    posts.  A busy database or a failed import ends the page with its error."""
    items = chain.from_iterable(iter_upload(u.name, u) for u in uploads)
    total = max(sum(_estimate_inputs(u) for u in uploads), 1)
    names = ", ".join(u.name for u in uploads)
    with stop_on_error():
        summary = import_paths([], database(), items=items, workers=1, batch_size=500,
                               source=f"upload: {names}"[:500],
                               progress=lambda done: bar.progress(min(done / total, 1.0),
                                                                 text=f"importing… {done:,} inputs"))
    wrote()
    return summary


UPLOADS = "overview_uploads"        # the upload box's key (a new one after each import: the box is cleared)
_SUMMARY = "overview_last_import"


def uploader_key() -> str:
    """The upload box's widget key: changes after each import, which empties the box."""
    return f"{UPLOADS}_{st.session_state.get(UPLOADS + '_n', 0)}"


def import_and_refresh(uploads, bar) -> None:
    """Import the uploads, then start the page again: its figures read the new database (the cache
    key follows the file and this session's writes), the upload box is empty, the summary shown."""
    summary = import_uploads(uploads, bar)
    st.session_state[_SUMMARY] = summary
    st.session_state[UPLOADS + "_n"] = st.session_state.get(UPLOADS + "_n", 0) + 1
    st.rerun()


def show_last_import() -> None:
    """The summary of the import this session just ran (once)."""
    summary = st.session_state.pop(_SUMMARY, None)
    if summary is not None:
        show_import_summary(summary)


def _estimate_inputs(upload) -> int:
    """About how many inputs an upload holds (for the progress bar): a zip's members, a JSON
    Lines file's lines, else 1."""
    name = upload.name.lower()
    if name.endswith(".zip"):
        try:
            with zipfile.ZipFile(upload) as zf:
                return len(zf.infolist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return 1
        finally:
            upload.seek(0)
    if name.endswith((".jsonl", ".ndjson")):
        return max(upload.getvalue().count(b"\n"), 1) if hasattr(upload, "getvalue") else 1
    return 1


def show_import_summary(summary: ImportSummary) -> None:
    """The outcome of an upload: counts, then each rejected file and why (plain text)."""
    st.success(f"Batch {summary.batch_id}: {summary.files_seen} files seen, {summary.imported} imported, "
               f"{summary.updated} updated, {summary.unchanged} unchanged, {summary.rejected} rejected, "
               f"{summary.warnings} warnings; {summary.posts_new} posts new, {summary.posts_replaced} replaced "
               f"by a newer revision.")
    for rej in summary.rejects:
        st.text(f"rejected {rej['source_file']}: {rej['reason']}")
