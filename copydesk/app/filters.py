"""The shared sidebar filters (site, stack, status, last-reviewed range, as-of date) and each page's
own row controls, kept in the URL.

A page calls :func:`shared_filters` once; the values live in the URL
(``?site=a&site=b&stack=python&reviewed_from=2024-01-01&as_of=2025-06-30``), so a view can be
bookmarked and shared, and in a plain session key, so that they survive a page that does
not draw the sidebar.  ``dashboard.py`` calls :func:`keep_shared_in_url` before every page,
so the URL holds them on every page and whichever way the user got there (a link, the
navigation, a reload).

A page's own controls that change its rows (the Review page's reason, band, state, search,
sort) are :class:`UrlControl`\\ s: :func:`page_controls` fills their widget keys from the URL
on first load, else from this session's saved copy, and writes them back to the URL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from .. import queries
from .common import Connection, cached_read, database


@dataclass(frozen=True)
class UrlControl:
    """A widget whose value is kept in the URL: ``key`` (session/widget key), ``param`` (URL name),
    ``kind`` (list | date | text | choice), ``choices`` (allowed values of a list or choice;
    a URL value outside them is ignored), ``default``."""
    key: str
    param: str
    kind: str
    choices: tuple | None = None
    default: object = None


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


def _from_url(control: UrlControl):
    """The control's value as the URL gives it (validated), else its default."""
    if control.kind == "list":
        value = st.query_params.get_all(control.param)
        return [v for v in value if control.choices is None or v in control.choices] or \
            list(control.default or [])
    raw = st.query_params.get(control.param)
    if control.kind == "date":
        return _parse_date(raw) or control.default
    if control.kind == "choice":
        return raw if raw in (control.choices or ()) else control.default
    return str(raw)[:500] if raw else control.default


def _to_url(control: UrlControl, value) -> None:
    """Write one control to the URL; a value equal to its default is left out."""
    if control.kind == "list":
        want = [str(v) for v in value or []]
        if want == [str(v) for v in control.default or []]:
            want = []
        if st.query_params.get_all(control.param) != want:
            if want:
                st.query_params[control.param] = want
            elif control.param in st.query_params:
                del st.query_params[control.param]
        return
    if value == control.default or value in (None, ""):
        want = None
    else:
        want = value.isoformat() if isinstance(value, dt.date) else str(value)
    if want and st.query_params.get(control.param) != want:
        st.query_params[control.param] = want
    elif not want and control.param in st.query_params:
        del st.query_params[control.param]


def _keep(controls: list[UrlControl], saved_key: str, *, pin: bool = True) -> dict:
    """Fill the widget keys (from the key itself, else this session's saved copy, else the URL), save
    them, write the URL.

    A URL parameter this session did not write (a link from another page, an edited address) wins
    over the session's value.  ``pin`` (before the widgets are drawn) writes every value back as a
    value set through Session State: a widget of another page with the same key is another widget
    to Streamlit, which would otherwise start from its default (the filters were lost on every
    page switch)."""
    saved = st.session_state.get(saved_key)
    written = st.session_state.get(saved_key + "_url", {})     # what this session last put in the URL
    for c in controls:
        raw = st.query_params.get_all(c.param)
        if raw and raw != written.get(c.param):     # a link or an edited URL brought a new value: it wins
            value = _from_url(c)
        elif c.key in st.session_state:
            value = st.session_state[c.key]
        else:
            value = saved.get(c.key, c.default) if saved is not None else _from_url(c)
        if c.kind == "list" and c.choices is not None:
            value = [v for v in (value or []) if v in c.choices]
        if pin:
            st.session_state[c.key] = value
    values = {c.key: st.session_state.get(c.key) for c in controls}
    st.session_state[saved_key] = dict(values)
    for c in controls:
        _to_url(c, values[c.key])
    st.session_state[saved_key + "_url"] = {c.param: st.query_params.get_all(c.param) for c in controls}
    return values


def page_controls(page: str, controls: list[UrlControl]) -> dict:
    """Call before drawing the controls: their widget keys hold the URL's values on first load (else
    what this session last had on the page), and the URL follows them.  Returns ``{key: value}``."""
    return _keep(controls, f"{page}_saved_controls")


def _shared_controls(options: dict[str, list[str]]) -> list[UrlControl]:
    out = []
    for key, (param, kind) in SHARED_FILTERS.items():
        choices = tuple(options.get(param, [])) if kind == "list" else None
        default = dt.date.today() if key == "sidebar_as_of" else ([] if kind == "list" else None)
        out.append(UrlControl(key, param, kind, choices, default))
    return out


def keep_shared_in_url() -> dict:
    """The shared filters of this session, restored and written to the URL on any page (even one
    without the sidebar), so that no navigation path loses them."""
    return _keep(_shared_controls(filter_options()), _SAVED)


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
    _keep(_shared_controls(options), _SAVED)
    with st.sidebar:
        st.subheader("Filters")
        st.multiselect("Site", options.get("site", []), key="sidebar_site", placeholder="All sites")
        st.multiselect("Stack", options.get("stack", []), key="sidebar_stack", placeholder="All stacks")
        st.multiselect("Status", options.get("status", []), key="sidebar_status", placeholder="All statuses")
        st.date_input("Last reviewed from", key="sidebar_reviewed_from", format="YYYY-MM-DD")
        st.date_input("Last reviewed to", key="sidebar_reviewed_to", format="YYYY-MM-DD")
        st.date_input("As of", key="sidebar_as_of", format="YYYY-MM-DD",
                      help="Freshness, bands and staleness are computed for this date.")
    values = _keep(_shared_controls(options), _SAVED, pin=False)
    return {
        "site": list(values["sidebar_site"] or []),
        "stack": list(values["sidebar_stack"] or []),
        "status": list(values["sidebar_status"] or []),
        "reviewed_from": values["sidebar_reviewed_from"],
        "reviewed_to": values["sidebar_reviewed_to"],
        "as_of": values["sidebar_as_of"] or dt.date.today(),
    }
