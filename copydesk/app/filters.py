"""The shared sidebar filters (site, stack, status, last-reviewed range, as-of date), kept in the URL.

A page calls :func:`shared_filters` once; the values live in the URL
(``?site=a&site=b&stack=python&reviewed_from=2024-01-01&as_of=2025-06-30``), so a view can be
bookmarked and shared, and in a plain session key, so that they survive a page that does
not draw the sidebar.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from .. import queries
from .common import Connection, cached_read, database

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
_OPTION_KINDS = ("site", "stack", "status", "difficulty")


@cached_read
def _options(con: Connection) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {kind: [] for kind in _OPTION_KINDS}
    for kind, value, _n in queries.run(con, "trends/filter_options").fetchall():
        out.setdefault(kind, []).append(value)
    return out


def filter_options() -> dict[str, list[str]]:
    """``{"site": [...], "stack": [...], "status": [...], "difficulty": [...]}``: the values present in
    the posts, most frequent first (empty lists when there is no database)."""
    if not database().exists():
        return {kind: [] for kind in _OPTION_KINDS}
    return _options()


# Dates a URL may set: beyond these, date arithmetic on the page (a snooze two weeks after the
# as-of date, a year before it) would overflow; such a value is ignored like a malformed one.
URL_DATES = (dt.date(1900, 1, 1), dt.date(2999, 12, 31))


def _parse_date(text) -> dt.date | None:
    try:
        value = dt.date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None
    return value if value is None or URL_DATES[0] <= value <= URL_DATES[1] else None


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
    ``copydesk.export`` and ``copydesk.queue`` (plus ``as_of``).  Widget keys: ``sidebar_site``,
    ``sidebar_stack``, ``sidebar_status``, ``sidebar_reviewed_from``, ``sidebar_reviewed_to``,
    ``sidebar_as_of``; URL parameters ``site``, ``stack``, ``status`` (repeatable),
    ``reviewed_from``, ``reviewed_to``, ``as_of`` (omitted while it is today).
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
