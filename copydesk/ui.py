"""Streamlit glue shared by the pages: database access and the shared sidebar.

Pages import from here and from ``copydesk``; they hold no business logic.
Connections are short-lived (one per query) so that a CLI import in another
process can take the DuckDB write lock between two page renders.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from . import db as dbmod
from . import queries

dbmod.PREFER_READ_WRITE = True   # this process reads and writes: see copydesk.db


def current_db() -> Path:
    return dbmod.db_path(None)


def db_version() -> tuple:
    """Changes whenever the database file changes: the cache key for query results."""
    p = current_db()
    try:
        stats = [p.stat()]
        wal = p.with_name(p.name + ".wal")
        if wal.exists():
            stats.append(wal.stat())
        return tuple((s.st_mtime_ns, s.st_size) for s in stats)
    except FileNotFoundError:
        return ()


def query_df(name: str, **params) -> pd.DataFrame:
    """Run a named query on a short-lived read connection; cached until the file changes."""
    return _cached_query(str(current_db()), db_version(), name, tuple(sorted(params.items())))


@st.cache_data(show_spinner=False, max_entries=256)
def _cached_query(path: str, version: tuple, name: str, params: tuple) -> pd.DataFrame:
    with dbmod.session(path, read_only=True) as con:
        return queries.run(con, name, **dict(params)).df()


def require_db() -> bool:
    """Show a helpful message and return False when there is no database yet."""
    p = current_db()
    if not p.exists():
        st.warning(f"No database at `{p}`. Run `make run` (builds the demo) or `copydesk import PATH --db {p}`.")
        return False
    return True


def import_uploads(uploads, bar):
    """Import files uploaded with ``st.file_uploader``; ``bar`` is an ``st.progress``."""
    from itertools import chain

    from .importer import import_paths
    from .sources import iter_upload

    items = list(chain.from_iterable(iter_upload(u.name, u.getvalue()) for u in uploads))
    total = max(len(items), 1)
    names = ", ".join(u.name for u in uploads)
    summary = import_paths([], current_db(), items=items, workers=1, batch_size=500,
                           source=f"upload: {names}"[:500],
                           progress=lambda done: bar.progress(min(done / total, 1.0),
                                                             text=f"importing… {done}/{total}"))
    st.cache_data.clear()
    return summary


def as_of_date() -> dt.date:
    """The as-of date chosen in the sidebar (default today)."""
    return st.session_state.get("sidebar_as_of") or dt.date.today()


# --- shared sidebar filters (site, stack, status, last-reviewed range, as-of), kept in the URL ---------

# session key -> (query-param name, kind)
SHARED_FILTERS = {
    "sidebar_site": ("site", "list"),
    "sidebar_stack": ("stack", "list"),
    "sidebar_status": ("status", "list"),
    "sidebar_reviewed_from": ("reviewed_from", "date"),
    "sidebar_reviewed_to": ("reviewed_to", "date"),
    "sidebar_as_of": ("as_of", "date"),
}
_SAVED = "sidebar_saved_filters"   # plain session key: survives pages that do not draw the sidebar


@st.cache_data(show_spinner=False, max_entries=16)
def _filter_options(path: str, version: tuple) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"site": [], "stack": [], "status": [], "difficulty": []}
    with dbmod.session(path, read_only=True) as con:
        for kind, value, _n in queries.run(con, "trends/filter_options").fetchall():
            out.setdefault(kind, []).append(value)
    return out


def filter_options() -> dict[str, list[str]]:
    """Sites, stacks, statuses and difficulties present in the posts (cached until the file changes)."""
    if not current_db().exists():
        return {"site": [], "stack": [], "status": [], "difficulty": []}
    return _filter_options(str(current_db()), db_version())


def _parse_date(text) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def _init_filter_state(options: dict[str, list[str]]) -> None:
    """Fill the widget keys once: from the URL on first load, else from the saved copy."""
    saved = st.session_state.get(_SAVED)
    for key, (param, kind) in SHARED_FILTERS.items():
        if key in st.session_state:
            continue
        if saved is not None:
            value = saved.get(key)
        elif kind == "list":
            value = st.query_params.get_all(param)
        else:
            value = _parse_date(st.query_params.get(param))
        if kind == "list":
            allowed = options.get(param, [])
            value = [v for v in (value or []) if v in allowed]
        elif key == "sidebar_as_of" and value is None:
            value = dt.date.today()
        st.session_state[key] = value


def _sync_query_params(values: dict) -> None:
    """Write the filters to the URL (only our keys; empty filters are removed)."""
    for key, (param, kind) in SHARED_FILTERS.items():
        value = values.get(key)
        if kind == "list":
            want = [str(v) for v in value or []]
            if st.query_params.get_all(param) != want:
                if want:
                    st.query_params[param] = want
                elif param in st.query_params:
                    del st.query_params[param]
        else:
            want = value.isoformat() if value else None
            if key == "sidebar_as_of" and value == dt.date.today():
                want = None           # "today" is the default: a bookmark keeps following today
            if want and st.query_params.get(param) != want:
                st.query_params[param] = want
            elif not want and param in st.query_params:
                del st.query_params[param]


def shared_filters() -> dict:
    """Draw the shared sidebar filters and return them.

    Returns ``{"site": [...], "stack": [...], "status": [...], "reviewed_from": date | None,
    "reviewed_to": date | None, "as_of": date}``: the filter dict of ``copydesk.trends``,
    ``copydesk.export`` and ``copydesk.queue`` (plus ``as_of``).  The values live in the URL
    (``?site=a&site=b&stack=python&reviewed_from=2024-01-01&as_of=2025-06-30``), so a view can
    be bookmarked and shared.  Widget keys: ``sidebar_site``, ``sidebar_stack``,
    ``sidebar_status``, ``sidebar_reviewed_from``, ``sidebar_reviewed_to``, ``sidebar_as_of``.
    """
    options = filter_options()
    _init_filter_state(options)
    with st.sidebar:
        st.subheader("Filters")
        st.multiselect("Site", options.get("site", []), key="sidebar_site", placeholder="All sites")
        st.multiselect("Stack", options.get("stack", []), key="sidebar_stack", placeholder="All stacks")
        st.multiselect("Status", options.get("status", []), key="sidebar_status", placeholder="All statuses")
        st.date_input("Last reviewed from", key="sidebar_reviewed_from", format="YYYY-MM-DD")
        st.date_input("Last reviewed to", key="sidebar_reviewed_to", format="YYYY-MM-DD")
        st.date_input("As of", key="sidebar_as_of", format="YYYY-MM-DD",
                      help="Freshness, bands and staleness are computed for this date.")
    values = {key: st.session_state.get(key) for key in SHARED_FILTERS}
    st.session_state[_SAVED] = dict(values)
    _sync_query_params(values)
    return {
        "site": list(values["sidebar_site"] or []),
        "stack": list(values["sidebar_stack"] or []),
        "status": list(values["sidebar_status"] or []),
        "reviewed_from": values["sidebar_reviewed_from"],
        "reviewed_to": values["sidebar_reviewed_to"],
        "as_of": values["sidebar_as_of"] or dt.date.today(),
    }


_MD_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:=")


def md_escape(text) -> str:
    """Plain text made safe for st.markdown / st.caption: every markdown-special character is
    backslash-escaped (so post content such as site names never becomes links, emphasis,
    colours, emoji or math)."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text)).replace("\n", " ")


def describe_filters(filters: dict) -> str:
    """``site: a, b · stack: python · reviewed 2024-01-01 – …`` (plain text, for captions)."""
    parts = [f"{k}: {', '.join(map(str, v))}" for k, v in filters.items()
             if k in ("site", "stack", "status", "difficulty", "band") and v]
    if filters.get("reviewed_from") or filters.get("reviewed_to"):
        parts.append(f"reviewed {filters.get('reviewed_from') or '…'} – {filters.get('reviewed_to') or '…'}")
    return " · ".join(parts) or "all posts"


# --- trend queries and CSV downloads ---------------------------------------------------------

def _freeze(d: dict | None) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in (d or {}).items()))


def _thaw(t: tuple) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in t}


def policy():
    """The review policy in force (``copydesk.freshness.load_policy``)."""
    from . import trends
    return trends.load_policy()


@st.cache_data(show_spinner=False, max_entries=256)
def _cached_trend(path: str, version: tuple, policy_key: str, what: str, filters: tuple, as_of: dt.date,
                  extra: tuple):
    from . import trends
    pol = trends.load_policy()
    with dbmod.session(path, read_only=True) as con:
        if what == "page-figures":
            return trends.page_figures(con, pol, _thaw(filters), as_of, **dict(extra))
        if what == "headline":
            return trends.headline(con, pol, _thaw(filters), as_of)
        if what == "batch-trend":
            return trends.batch_trend(con, dict(extra).get("site"))
        if what == "posts-count":
            return trends.posts_count(con, pol, _thaw(filters), as_of, **dict(extra))
        if what == "posts-page":
            return trends.posts_page(con, pol, _thaw(filters), as_of, **dict(extra))
        return trends.run(con, what, pol, _thaw(filters), as_of, **dict(extra))


def trend(what: str, filters: dict | None = None, as_of: dt.date | None = None, **extra):
    """A trends result for the page (cached until the database or the policy changes).

    ``what``: a ``{{posts}}`` query name (``score-distribution`` …), ``headline``, ``page-figures``,
    ``batch-trend`` (``site=``), ``posts-count`` or ``posts-page`` (``limit=``, first posts by id).
    """
    pol = policy()
    return _cached_trend(str(current_db()), db_version(), repr(pol), what, _freeze(filters),
                         as_of or as_of_date(), _freeze(extra))


def csv_download(name: str, filters: dict | None = None, *, label: str | None = None, key: str | None = None,
                 rows: int | None = None, file_name: str | None = None, **extra) -> None:
    """A download button for ALL rows of the export ``name`` under ``filters`` (not just the page shown).

    The CSV is produced by ``copydesk.export`` (DuckDB COPY, lists joined with "; ",
    formula-like cells neutralised) only when the button is clicked.  ``filters`` may hold
    ``as_of``; ``extra`` are the export's own parameters (e.g. ``score_name`` for ``posts``).
    """
    from . import export

    f = dict(filters or {})
    as_of = f.pop("as_of", None) or as_of_date()
    path = str(current_db())

    def make() -> bytes:
        with dbmod.session(path, read_only=True) as con:
            return export.csv_bytes(con, name, f, as_of, None, **extra)

    if label is None:
        label = f"Download all {rows:,} rows (CSV)" if rows is not None else "Download CSV (all rows)"
    st.download_button(label, data=make, file_name=file_name or f"{name}-{as_of.isoformat()}.csv",
                       mime="text/csv", key=key or f"csv_{name}", on_click="ignore", icon=":material/download:")


# --- the review policy in force -------------------------------------------------------

def show_policy(policy=None, *, expanded: bool = False) -> None:
    """Show the review policy in force (freshness decay, bands, thresholds, overrides) in an expander."""
    from . import freshness

    pol = policy if policy is not None else freshness.load_policy()
    rows = freshness.describe(pol)
    with st.expander(f"Policy in force: half-life {pol.half_life_days:g} d, stale after {pol.stale_after_days} d, "
                     f"drift margin {pol.drift_margin}", expanded=expanded):
        st.dataframe(pd.DataFrame(rows, columns=["setting", "value"]), hide_index=True, width="stretch")
        st.caption("Edit policy.toml (or point COPYDESK_POLICY at another file) to change it.")


def headline_metrics(filters: dict, as_of: dt.date | None = None, head: dict | None = None) -> dict:
    """The five headline figures (posts, review queue, stale share, median quality, near-duplicate
    clusters) as ``st.metric`` with their change since the previous import batch; returns the figures.

    ``filters`` without ``as_of``; ``head`` = ``trends.headline(...)`` if already computed."""
    from . import trends

    as_of = as_of or as_of_date()
    head = head if head is not None else trend("headline", filters, as_of)
    change = trends.change_since_previous_batch(trend("batch-trend", None, as_of))
    unfiltered = not any(v for k, v in filters.items() if k != "as_of")

    def num(x, fmt="{:,.0f}"):
        return "—" if x is None else fmt.format(x)

    def delta(key, fmt="{:+,.0f}"):
        return fmt.format(change[key]) if unfiltered and change.get(key) is not None else None

    if head["posts"] == 0:
        st.info("No posts match these filters." if not unfiltered
                else "The database has no posts yet: import page dumps with `copydesk import PATH`.")
    cols = st.columns(5)
    cols[0].metric("Posts", num(head["posts"]), delta("posts"), delta_color="off")
    cols[1].metric("In the review queue", num(head["queue_size"]), delta("queue_size"), delta_color="inverse")
    cols[2].metric("Stale share", "—" if head["stale_share"] is None else f"{head['stale_share']:.1%}",
                   delta("stale_share", "{:+.1%}"), delta_color="inverse",
                   help="Posts in freshness band stale or never reviewed, under the policy, at the as-of date.")
    cols[3].metric("Median quality", num(head["median_quality"], "{:.0f}"), delta("median_quality", "{:+.1f}"))
    cols[4].metric("Near-duplicate clusters", num(head["duplicate_clusters"]), delta("duplicate_clusters"),
                   delta_color="inverse", help="Whole corpus, from the latest duplicate detection run.")
    if change and unfiltered:
        st.caption(f"Changes: snapshot after import batch {change['batch_id']} "
                   f"vs. batch {change['previous_batch_id']}.")
    elif change:
        st.caption("Changes since the previous import batch are shown for the unfiltered corpus only.")
    return head
