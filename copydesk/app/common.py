"""What every page shares: the database, short-lived connections, cached reads, errors, plain
text and CSV downloads.

**Connections.**  The dashboard keeps no connection open: every read is a short-lived
connection (:func:`reading`), every write another (:func:`writing`), both through
``copydesk.db.session`` and its per-process mode gate (readers share, a writer goes alone), so
a CLI import in another process can take the write lock between two renders.  The dashboard
process also imports browser uploads through the importer's own read-write connection, which
the gate does not see, and DuckDB refuses a read-only and a read-write connection to one file
in one process: every read here therefore opens the file read-write (``open_read_write=True``)
while the gate still counts it as a reader.  The mode is in the call; importing this module
changes nothing.

**Caching.**  :func:`cached_read` turns ``fn(con, *args)`` into ``fn(*args)``, run on a read
connection and cached until the database file changes or this session writes (:func:`version`).

**Errors.**  A :class:`~copydesk.errors.CopydeskError` (invalid policy, busy database, failed
export, refused decision) is shown by :func:`show_error`, the same way on every page.  The
functions a page reads through (:func:`cached_read` functions, :func:`policy`, …) run inside
:func:`stop_on_error`: the error is shown where the page got to and the page run ends, so
pages hold no ``try``.  What must go on after an error (a refused decision keeps its form; a
button callback) catches it and calls :func:`show_error` (or :func:`flash`).  ``dashboard.py``
runs each page inside :func:`stop_on_error` too, the net for anything else.  Any other
exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import inspect
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Concatenate, Iterator, ParamSpec, TypeVar

import duckdb
import pandas as pd
import streamlit as st

from .. import db, export, freshness
from ..errors import CopydeskError, DecisionError, ExportError, PolicyError
from ..freshness import Policy

P = ParamSpec("P")
R = TypeVar("R")
Connection = duckdb.DuckDBPyConnection

WRITES_KEY = "app_writes"      # bumps after every write of this session: part of the cache key


# --- the database -----------------------------------------------------------------------------

def database() -> Path:
    """The database file the dashboard serves (``$COPYDESK_DB``, else ``./copydesk.duckdb``)."""
    return db.db_path(None)


def file_version(path: Path | None = None) -> tuple:
    """Changes whenever the database file (or its write-ahead log) changes; ``()`` when it does not exist."""
    p = path or database()
    try:
        stats = [p.stat()]
        wal = p.with_name(p.name + ".wal")
        if wal.exists():
            stats.append(wal.stat())
        return tuple((s.st_mtime_ns, s.st_size) for s in stats)
    except FileNotFoundError:
        return ()


def version() -> tuple:
    """The cache key of every read: the file's version and the number of writes of this session."""
    return (file_version(), st.session_state.get(WRITES_KEY, 0))


def wrote() -> None:
    """Record that this session changed the database (its cached reads are not reused)."""
    st.session_state[WRITES_KEY] = st.session_state.get(WRITES_KEY, 0) + 1


@contextmanager
def reading(path: str | Path | None = None) -> Iterator[Connection]:
    """``with reading() as con:`` a short-lived connection for reads (see the module docstring)."""
    with db.session(path or database(), read_only=True, open_read_write=True) as con:
        yield con


@contextmanager
def writing(path: str | Path | None = None) -> Iterator[Connection]:
    """``with writing() as con:`` a short-lived read-write connection; counts as a write of this session."""
    with db.session(path or database()) as con:
        yield con
    wrote()


@contextmanager
def stop_on_error() -> Iterator[None]:
    """A CopydeskError raised inside is shown (:func:`show_error`) and ends the page run (``st.stop``)."""
    try:
        yield
    except CopydeskError as exc:
        show_error(exc)
        st.stop()


def require_db() -> bool:
    """Show a helpful message and return False when there is no database yet."""
    p = database()
    if not p.exists():
        st.warning(f"No database at `{p}`. Run `make run` (builds the demo) or `copydesk import PATH --db {p}`.")
        return False
    return True


# --- cached reads -----------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=512)
def _cached(path: str, version: tuple, name: str, args: tuple, kwargs: dict, _fn: Callable) -> Any:
    with reading(path) as con:
        return _fn(con, *args, **kwargs)


def cached_read(fn: Callable[Concatenate[Connection, P], R]) -> Callable[P, R]:
    """Decorator: ``fn(con, *args, **kwargs)`` becomes ``fn(*args, **kwargs)``, run on a short-lived
    read connection, cached until the database changes (:func:`version`), and ending the page
    with an error message on a CopydeskError (:func:`stop_on_error`).

    The arguments are the cache key (Streamlit hashes them: text, numbers, dates, lists, dicts, a
    ``Policy``); the result is pickled into the cache, so return DataFrames, dataclasses or plain
    values."""
    name = f"{fn.__module__}.{fn.__qualname__}"

    def read(*args: P.args, **kwargs: P.kwargs) -> R:
        with stop_on_error():
            return _cached(str(database()), version(), name, args, kwargs, fn)

    signature = inspect.signature(fn)
    read.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])
    read.__name__, read.__qualname__, read.__module__, read.__doc__ = (
        fn.__name__, fn.__qualname__, fn.__module__, fn.__doc__)
    return read


# --- the policy -------------------------------------------------------------------------------

def policy() -> Policy:
    """The review policy in force (``policy.toml`` / ``$COPYDESK_POLICY``); an invalid one ends the
    page with its error."""
    with stop_on_error():
        return freshness.load_policy()


def show_policy(policy: Policy, *, expanded: bool = False) -> None:
    """The review policy in force (freshness decay, bands, thresholds, overrides) in an expander."""
    rows = freshness.describe(policy)
    with st.expander(f"Policy in force: half-life {policy.half_life_days:g} d, stale after "
                     f"{policy.stale_after_days} d, drift margin {policy.drift_margin}", expanded=expanded):
        st.dataframe(pd.DataFrame(rows, columns=["setting", "value"]), hide_index=True, width="stretch")
        st.caption("Edit policy.toml (or point COPYDESK_POLICY at another file) to change it.")


# --- errors and messages ----------------------------------------------------------------------

_LEADS = ((PolicyError, "The policy file is invalid"),
          (DecisionError, "The decision was not recorded"),
          (ExportError, "The export failed"))


def error_text(exc: CopydeskError) -> str:
    """What the user reads: what failed, then the error's own one-line message."""
    lead = next((text for kind, text in _LEADS if isinstance(exc, kind)), None)
    return f"{lead}: {exc}" if lead else str(exc)


def show_error(exc: CopydeskError) -> None:
    """How every page shows a problem the user can act on: one ``st.error``, as plain text."""
    st.error(md_escape(error_text(exc)))


def flash(key: str, item: str | CopydeskError) -> None:
    """Leave a message (or an error) for the next render, from a button callback."""
    st.session_state[key] = item


def show_flash(key: str) -> None:
    """Show, once, what a callback left under ``key``: a message as ``st.info``, an error by :func:`show_error`."""
    item = st.session_state.pop(key, None)
    if isinstance(item, CopydeskError):
        show_error(item)
    elif item:
        st.info(md_escape(item))


# --- plain text -------------------------------------------------------------------------------

_MD_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:=")
# Where a GFM autolink would start (``http://…``, ``www.…``, ``a@b.example``, ``mailto:``): the
# dashboard's markdown links those on the text after escapes are undone, so a backslash does not
# stop them; an invisible WORD JOINER (U+2060) there does, and the text reads the same.
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=[wW]{3})(?=\.)|(?=@)|(?<=mailto)(?=:)|(?<=xmpp)(?=:)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def md_escape(text) -> str:
    """Plain text made safe for st.markdown / st.caption: every markdown-special character is
    backslash-escaped and bare URLs / e-mail addresses broken by an invisible word joiner (so
    post content such as site names never becomes links, images, emphasis, colours, emoji or
    math)."""
    text = _AUTOLINK.sub(WORD_JOINER, str(text))
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text).replace("\n", " ")


def describe_filters(filters: dict) -> str:
    """``site: a, b · stack: python · reviewed 2024-01-01 – …`` (plain text, for captions)."""
    parts = [f"{k}: {', '.join(map(str, v))}" for k, v in filters.items()
             if k in ("site", "stack", "status", "difficulty", "band") and v]
    if filters.get("reviewed_from") or filters.get("reviewed_to"):
        parts.append(f"reviewed {filters.get('reviewed_from') or '…'} – {filters.get('reviewed_to') or '…'}")
    return " · ".join(parts) or "all posts"


# --- tables ---------------------------------------------------------------------------------

def show_table(df: pd.DataFrame, *, key: str, empty: str, **kwargs) -> bool:
    """A table as every page shows one: missing values as "—" (never NaT, None or <NA>), and the
    sentence ``empty`` instead of a bare grid when there is no row.  Returns whether it was shown."""
    if df.empty:
        st.caption(md_escape(empty))
        return False
    st.dataframe(df, key=key, placeholder="—", **{"hide_index": True, **kwargs})
    return True


# --- CSV downloads ----------------------------------------------------------------------------

def csv_of(make: Callable[[Connection], bytes]) -> Callable[[], bytes]:
    """``data=`` for :func:`csv_button`: ``make(con)`` (one of ``copydesk.export``'s writers) on a
    read connection opened when the button is clicked (outside the page run: no session state)."""
    path = database()

    def data() -> bytes:
        with reading(path) as con:
            return make(con)
    return data


def frame_csv(frame: pd.DataFrame) -> Callable[[], bytes]:
    """``data=`` for :func:`csv_button`: a DataFrame the page already holds, by the exports' writer."""
    return lambda: export.frame_csv_bytes(frame)


def csv_button(label: str, data: Callable[[], bytes], *, file_name: str, key: str, icon: str | None = None) -> None:
    """The CSV download button of every page: the bytes are made by ``data`` when it is clicked
    (:func:`csv_of`, :func:`frame_csv`, :func:`export_download`), never while the page renders."""
    st.download_button(label, data=data, file_name=file_name, mime="text/csv", key=key, on_click="ignore",
                       icon=icon)


def export_download(name: str, filters: dict, *, label: str | None = None, key: str | None = None,
                    rows: int | None = None, file_name: str | None = None, **extra) -> None:
    """A download button for ALL rows of the export ``name`` under ``filters`` (which hold ``as_of``),
    not just the rows shown: ``copydesk.export.csv_bytes`` (DuckDB COPY, lists joined with "; ",
    formula-like cells neutralised).  ``extra`` are the export's own parameters (``score_name`` …)."""
    f = dict(filters)
    as_of = f.pop("as_of")
    if label is None:
        label = f"Download all {rows:,} rows (CSV)" if rows is not None else "Download CSV (all rows)"
    csv_button(label, csv_of(lambda con: export.csv_bytes(con, name, f, as_of, None, **extra)),
               file_name=file_name or f"{name}-{as_of.isoformat()}.csv", key=key or f"csv_{name}",
               icon=":material/download:")


# --- who is reviewing (every page) ------------------------------------------------------------

REVIEWER_KEY = "app_reviewer"           # the name given this browser session (a plain key: survives pages)
REVIEWER_COOKIE = "copydesk_reviewer"   # the same name in a cookie of this browser: survives a reload
_COOKIE_PENDING = "app_reviewer_cookie"


def oidc_user() -> dict:
    """``st.user`` as a dict ({} when Streamlit's OIDC login is not configured)."""
    try:
        return dict(st.user.to_dict())
    except Exception:
        return {}


def _cookie_name() -> str:
    try:
        raw = st.context.cookies.get(REVIEWER_COOKIE) or ""
    except Exception:          # no request context (AppTest)
        raw = ""
    from urllib.parse import unquote
    return " ".join(unquote(raw).split())[:200]


def reviewer() -> str | None:
    """The reviewer: ``st.user`` when signed in (OIDC), else the name given once in this browser
    (session state, first filled from the browser's cookie so that a reload keeps it)."""
    from ..queue import reviewer_name
    if REVIEWER_KEY not in st.session_state:
        st.session_state[REVIEWER_KEY] = _cookie_name()
    return reviewer_name(oidc_user(), st.session_state.get(REVIEWER_KEY))


def set_reviewer(name: str) -> None:
    """Remember the reviewer's name for every page of this session (and, via a cookie, a reload)."""
    st.session_state[REVIEWER_KEY] = " ".join(str(name or "").split())[:200]
    st.session_state[_COOKIE_PENDING] = True


def _write_cookie() -> None:
    """Set (or clear) the name cookie from the browser: a tiny script in a component frame (same origin)."""
    if not st.session_state.pop(_COOKIE_PENDING, False):
        return
    import json
    from urllib.parse import quote
    value = json.dumps(quote(st.session_state.get(REVIEWER_KEY) or "", safe="")).replace("<", "\\u003c")
    age = 60 * 60 * 24 * 365 if st.session_state.get(REVIEWER_KEY) else 0
    import streamlit.components.v1 as components
    cookie = f"'{REVIEWER_COOKIE}=' + {value} + '; path=/; max-age={age}; SameSite=Strict'"
    components.html(f"<script>try {{ window.parent.document.cookie = {cookie}; }} "
                    f"catch (e) {{ document.cookie = {cookie}; }}</script>", height=0)


def reviewer_box(prefix: str, label: str = "Your name (recorded with every decision)") -> str | None:
    """Show who is reviewing, or ask for a name once: the answer holds on every page of this browser
    session (and after a reload).  ``prefix`` names this page's widgets (``<prefix>_name_input``)."""
    user = oidc_user()
    signed_in = user and reviewer_name_of(user)
    if signed_in:
        st.text(f"Reviewing as {signed_in} (signed in)")
        return signed_in
    name = reviewer()
    _write_cookie()
    if name:
        cols = st.columns([4, 1])
        cols[0].text(f"Reviewing as {name}")
        if cols[1].button("Change name", key=f"{prefix}_change_name"):
            set_reviewer("")
            st.rerun()
        return name
    key = f"{prefix}_name_input"
    st.text_input(label, key=key, placeholder="e.g. Dana Editor",
                  on_change=lambda: set_reviewer(st.session_state.get(key) or ""))
    typed = (st.session_state.get(key) or "").strip()
    if typed:
        set_reviewer(typed)
        _write_cookie()
        return reviewer()
    st.info("Enter your name to record decisions (or configure login: see the README).")
    return None


def reviewer_name_of(user: dict) -> str | None:
    from ..queue import reviewer_name
    return reviewer_name(user, None)


def page_link(page: str, label: str, *, query_params: dict, icon: str | None = None) -> None:
    """A link to another page of the dashboard with ``query_params`` (``label`` is plain text).
    A page run on its own (no navigation: AppTest of one file) shows the label as text instead."""
    from streamlit.errors import StreamlitPageNotFoundError
    try:
        st.page_link(page, label=md_escape(label), icon=icon, query_params=query_params)
    except StreamlitPageNotFoundError:
        st.text(label)
