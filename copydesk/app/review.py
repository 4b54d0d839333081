"""The Review queue page's data and panels: cached queue reads, the "Today" view, the post opened,
the decision form, reviewer identity, plain-text rendering of a post.

Reads are cached until the database changes or this session records a decision
(:func:`copydesk.app.common.version`); a decision goes through :func:`copydesk.queue.decide`
(a short-lived read-write connection that waits while another process writes).

Session keys (all ``review_``): the row controls (``review_reason``, ``review_band``,
``review_state``, ``review_search``, ``review_sort``, ``review_direction``) and the opened post
(``review_open``) are also in the URL (``reason``, ``band``, ``state``, ``q``, ``sort``, ``order``,
``open``: :data:`CONTROLS`); ``review_today`` is this session's Today list.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Callable

import pandas as pd
import streamlit as st

from .. import queue
from ..clock import utc_now
from ..domain import BANDS, DECISIONS, DIRECTIONS, REASONS, SORTS, STATES
from ..errors import CopydeskError
from ..freshness import Policy
from .common import (Connection, cached_read, csv_of, database, md_escape, page_link, reading, reviewer,
                     show_error, stop_on_error, wrote)
from .filters import UrlControl, page_controls

# The page's own controls that change its rows, kept in the URL (see copydesk.app.filters).
CONTROLS = [
    UrlControl("review_reason", "reason", "list", tuple(REASONS), ()),
    UrlControl("review_band", "band", "list", BANDS, ()),
    UrlControl("review_state", "state", "choice", STATES, "open"),
    UrlControl("review_search", "q", "text", None, ""),
    UrlControl("review_sort", "sort", "choice", tuple(SORTS), "priority"),
    UrlControl("review_direction", "order", "choice", DIRECTIONS, "DESC"),
    UrlControl("review_open", "open", "text", None, None),
]
# The queue columns the table shows, in order.
TABLE_COLUMNS = ["post_id", "priority", "main_reason", "reasons", "title", "site", "status", "band",
                 "review_age_days", "effective_last_reviewed", "computed_freshness", "view_count",
                 "last_decision", "assignee"]
METADATA_FIELDS = ["post_id", "site", "status", "version", "last_reviewed", "view_count", "difficulty", "stack",
                   "tools", "topic", "summary", "score_quality", "score_freshness", "score_depth", "score_clarity",
                   "ai_generated_style", "needs_human_review", "has_meta", "warnings", "reference", "source_file",
                   "source_sha256", "imported_at"]
TARGETS = ("opened post", "bulk selection")
BLANK = "—"
TODAY_KEY = "review_today"
FLASH = "review_flash"


def controls() -> dict:
    """Restore the page's row controls (URL on first load, else this session) before they are drawn;
    close the post a decision was just recorded for."""
    if st.session_state.pop("review_close", False):
        st.session_state["review_open"] = None
    return page_controls("review", CONTROLS)


@cached_read
def queue_view(con: Connection, policy: Policy, as_of: dt.date, filters: dict, sort: str, direction: str,
               limit: int, offset: int) -> tuple[pd.DataFrame, int]:
    """One page of the queue (the columns of ``review/queue_rows``: post_id, priority, main_reason,
    reasons, title, site, status, band, review_age_days, effective_last_reviewed, computed_freshness,
    view_count, last_decision, assignee, source_sha256 …) and the queue's total under the filters."""
    return queue.fetch_page_with_count(con, policy, filters, as_of=as_of, sort=sort, direction=direction,
                                       limit=limit, offset=offset)


@cached_read
def reason_counts(con: Connection, policy: Policy, as_of: dt.date, filters: dict) -> pd.DataFrame:
    """Posts per reason in the view: ``reason``, ``kind`` (queue | signal), ``posts``, ``main``."""
    return queue.reason_counts(con, policy, as_of, filters)


@cached_read
def assignees(con: Connection) -> list[str]:
    """Assignees named by the current decisions."""
    return queue.assignees(con)


@cached_read
def queue_row(con: Connection, policy: Policy, as_of: dt.date, post_id: str) -> dict | None:
    """The opened post's queue row (open or decided), None when it has no queue reason and no decision."""
    rows = queue.fetch_page(con, policy, {"post_ids": [post_id], "state": "all"}, as_of=as_of, limit=1)
    return None if rows.empty else rows.iloc[0].to_dict()


# --- Today -----------------------------------------------------------------------------------

@cached_read
def _today_ids(con: Connection, policy: Policy, as_of: dt.date, filters: dict, name: str, limit: int) -> list[str]:
    return queue.today_ids(con, policy, as_of, filters, name, limit)


@cached_read
def _open_rows(con: Connection, policy: Policy, as_of: dt.date, ids: tuple) -> pd.DataFrame:
    return queue.fetch_page(con, policy, {"post_ids": list(ids), "state": "open"}, as_of=as_of,
                            limit=max(1, len(ids)))


@cached_read
def _decided_since(con: Connection, name: str, since: dt.datetime) -> int:
    return queue.decided_since(con, name, since)


@dataclass(frozen=True)
class Today:
    """This reviewer's list for the day: the posts taken at the start (``ids``) and those still open."""
    ids: tuple                 # the list as taken: assigned to me first, then by priority
    open_rows: pd.DataFrame    # its posts still open, in the list's order (queue_rows columns)
    decided_today: int         # posts this reviewer decided since 00:00 UTC (anywhere)

    @property
    def left(self) -> int:
        return len(self.open_rows)

    def next_after(self, current: str | None) -> str | None:
        """The next open post of the list after ``current`` (the first when it is not in the list)."""
        ids = self.open_rows["post_id"].tolist()
        if not ids:
            return None
        if current in self.ids:
            later = [p for p in self.ids[self.ids.index(current) + 1:] if p in ids]
            if later:
                return later[0]
        return next((p for p in ids if p != current), None)

    def groups(self) -> list[tuple[str, pd.DataFrame]]:
        """The open posts grouped by main reason (the groups in order of their first post)."""
        rows = self.open_rows
        order = list(dict.fromkeys(rows["main_reason"].fillna("")))
        return [(reason, rows[rows["main_reason"].fillna("") == reason]) for reason in order]


def today(policy: Policy, as_of: dt.date, filters: dict, *, refresh: bool = False) -> Today:
    """The Today list of this session: taken once (per reviewer, date and filters) from the queue,
    then followed as its posts are decided."""
    name = reviewer() or ""
    key = (name, as_of.isoformat(), repr(sorted(filters.items())), policy.today_posts)
    taken = st.session_state.get(TODAY_KEY)
    if refresh or not taken or taken["key"] != key:
        taken = {"key": key, "ids": tuple(_today_ids(policy, as_of, filters, name, policy.today_posts))}
        st.session_state[TODAY_KEY] = taken
    ids = taken["ids"]
    rows = _open_rows(policy, as_of, ids) if ids else pd.DataFrame(columns=["post_id", "main_reason"])
    order = {p: i for i, p in enumerate(ids)}
    rows = rows.assign(_order=rows["post_id"].map(order)).sort_values("_order").drop(columns="_order")
    start = dt.datetime.combine(utc_now().date(), dt.time())
    return Today(ids, rows.reset_index(drop=True), _decided_since(name, start) if name else 0)


def open_post(post_id: str | None) -> None:
    """Button callback: open ``post_id`` in the triage panel."""
    st.session_state["review_open"] = post_id


def show_today(policy: Policy, as_of: dt.date, filters: dict) -> Today:
    """The "Today" view: progress, the Next button, the open posts grouped by main reason."""
    day = today(policy, as_of, filters, refresh=st.session_state.pop("review_today_refresh", False))
    with st.container(border=True, key="review_today_box"):
        head = st.columns([3, 1, 1])
        head[0].subheader(f"Today: {day.decided_today} decided · {day.left} left")
        current = st.session_state.get("review_open")
        nxt = day.next_after(current)
        head[1].button("Next", key="review_next", type="primary", disabled=nxt is None,
                       on_click=open_post, args=(nxt,), icon=":material/arrow_forward:")
        head[2].button("Take the next posts", key="review_today_take",
                       on_click=lambda: st.session_state.update(review_today_refresh=True))
        st.caption(f"The next {policy.today_posts} posts by priority for "
                   f"{md_escape(reviewer() or 'you')} (assigned to you first), grouped by main reason; "
                   "a decided post leaves the list.")
        if day.left == 0:
            st.text("Nothing left in today's list." if day.ids else "The queue is empty under these filters.")
        with st.expander(f"Today's list ({day.left})", expanded=day.left > 0 and not current):
            for reason, rows in day.groups():
                st.text(f"{REASONS.get(reason, reason or 'no queue reason')} ({len(rows)})")
                for r in rows.itertuples():
                    cols = st.columns([1, 8])
                    cols[0].button("Open", key=f"review_today_open_{r.post_id}", on_click=open_post,
                                   args=(r.post_id,))
                    cols[1].text(f"{r.priority} · {r.post_id} · {r.title or BLANK}")
    return day


# --- the post opened ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PostDetail:
    """A post as the triage panel shows it (``post`` is None when it is no longer in the database)."""
    post: dict | None             # review/post: every column of posts
    duplicates: pd.DataFrame      # other_post_id, other_title, similarity, title_similarity, kind
    history: pd.DataFrame         # its decisions, oldest first (review/decision_log)


def post_detail(post_id: str) -> PostDetail:
    """The post, its near-duplicates and its decision history (uncached: must reflect the last write)."""
    with stop_on_error(), reading() as con:
        return PostDetail(queue.post_detail(con, post_id), queue.post_duplicates(con, post_id),
                          queue.decision_log(con, post_id))


def text_of(value) -> str:
    """A value as the page shows it: blanks (None, NaN, NaT, <NA>, "") as "—", lists joined with ", "."""
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) if value else BLANK
    try:
        if value is None or pd.isna(value):
            return BLANK
    except (TypeError, ValueError):
        pass
    if isinstance(value, pd.Timestamp):
        value = value.date() if value == value.normalize() else value
    text = str(value)
    return text if text.strip() else BLANK


def key_figures(row: dict) -> list[str]:
    """The queue row's key figures, one line each (blanks as "—")."""
    age = row.get("review_age_days")
    return [
        f"priority {text_of(row.get('priority'))} · main reason {text_of(row.get('main_reason'))} · "
        f"band {text_of(row.get('band'))}",
        f"last reviewed {text_of(row.get('effective_last_reviewed'))} "
        f"({text_of(age) + ' days ago' if text_of(age) != BLANK else 'never'}; recorded "
        f"{text_of(row.get('last_reviewed'))}) · computed freshness {text_of(row.get('computed_freshness'))}",
        f"quality {text_of(row.get('score_quality'))} · freshness {text_of(row.get('score_freshness'))} · "
        f"depth {text_of(row.get('score_depth'))} · clarity {text_of(row.get('score_clarity'))} · "
        f"views {text_of(row.get('view_count'))}",
        f"last decision {text_of(row.get('last_decision'))} by {text_of(row.get('last_reviewer'))} · "
        f"assignee {text_of(row.get('assignee'))}",
    ]


def show_post(post: dict, row: dict | None) -> None:
    """The post: its title as a heading, its reasons and key figures, then the article (plain text)."""
    st.subheader(md_escape(post.get("title") or "(no title)"), anchor=False)
    if row is None:
        st.text("Not in the queue: no queue reason and no decision.")
    else:
        texts = list(row.get("reasons")) if row.get("reasons") is not None else []
        first_signal = len(texts) - int(row.get("signal_texts") or 0)
        for i, reason_text in enumerate(texts):
            st.text(f"• {reason_text}" + (" (signal: raises priority only)" if i >= first_signal else ""))
        for line in key_figures(row):
            st.caption(md_escape(line))
    with st.container(border=True):
        st.text(str(post.get("body") or ""), wrap=True)


def duplicate_link(post_id: str, duplicates: pd.DataFrame) -> None:
    """A link to the post's near-duplicate cluster on the Duplicates page (when it has one)."""
    if duplicates is not None and not duplicates.empty:
        page_link("pages/duplicates.py", "Compare with its near-duplicates (Duplicates page)",
                  icon=":material/content_copy:", query_params={"post": post_id})


def metadata_frame(post: dict) -> pd.DataFrame:
    """``field``, ``value``: the post's metadata and scores as text, one row per field, blanks as "—"."""
    return pd.DataFrame({"field": METADATA_FIELDS, "value": [text_of(post.get(k)) for k in METADATA_FIELDS]})


# --- downloads -----------------------------------------------------------------------------------

def queue_csv(policy: Policy, as_of: dt.date, filters: dict) -> Callable[[], bytes]:
    """The whole filtered queue as CSV, made when the download is clicked."""
    return csv_of(lambda con: queue.export_csv(con, policy, as_of, filters))


def decisions_csv() -> Callable[[], bytes]:
    """Every decision as CSV, made when the download is clicked."""
    return csv_of(queue.decision_log_csv)


def table_key(post_ids: list[str]) -> str:
    """The table's widget key: a new one whenever the rows change, so that a selection (by row
    position) never points at other posts after a decision, a new page, sort or filter."""
    return "review_table_" + hashlib.sha1("\n".join(post_ids).encode()).hexdigest()[:12]


# --- selection and decisions ---------------------------------------------------------------------

def follow_selection(picked: list[str]) -> None:
    """Rows ticked in the table: they become the bulk selection, the first is opened, and "Apply to"
    follows (bulk when rows are ticked, the opened post when none is)."""
    if picked == st.session_state.get("review_table_last"):
        return
    st.session_state["review_table_last"] = picked
    st.session_state["review_selected"] = picked
    st.session_state["review_target"] = TARGETS[1] if picked else TARGETS[0]
    if picked:
        st.session_state["review_open"] = picked[0]


def _selection_changed() -> None:
    st.session_state["review_target"] = TARGETS[1] if st.session_state.get("review_selected") else TARGETS[0]


def record(post_ids, decision: str, **kw) -> list[int]:
    """Record ``decision`` for the posts by the reviewer of this session; raises DecisionError,
    DatabaseBusy.  ``kw``: note, assignee, merge_into, snooze_until, content_hashes."""
    ids = queue.decide(database(), post_ids, decision, reviewer(), **kw)
    wrote()
    return ids


def decision_panel(name: str | None, opened: str | None, page_ids: list[str], hashes: dict,
                   as_of: dt.date) -> None:
    """The bulk selection and the decision form.  After a decision the form is empty again (no note
    or assignee carried to the next one), the decided post closes and a bulk selection is cleared."""
    if st.session_state.pop("review_form_reset", False):
        # set to the defaults, not deleted: a deleted key leaves the browser showing the old text
        st.session_state.update({"review_decision": next(iter(DECISIONS)), "review_note": "",
                                 "review_assign_to": "", "review_merge_into": "",
                                 "review_snooze_until": as_of + dt.timedelta(days=14)})
        st.session_state["review_selected"] = []
        st.session_state["review_target"] = TARGETS[0]
    st.session_state["review_selected"] = [p for p in st.session_state.get("review_selected", []) if p in page_ids]
    selected = st.multiselect("Bulk selection (this page)", page_ids, key="review_selected",
                              placeholder="Select rows in the table or here", on_change=_selection_changed)
    if "review_target" not in st.session_state:
        st.session_state["review_target"] = TARGETS[1] if selected else TARGETS[0]
    with st.form("review_decision_form", clear_on_submit=False):
        target = st.radio("Apply to", TARGETS, key="review_target", horizontal=True)
        decision = st.selectbox("Decision", list(DECISIONS), format_func=DECISIONS.get, key="review_decision")
        note = st.text_area("Note", key="review_note", height=80)
        assign_to = st.text_input("Assignee (optional)", key="review_assign_to")
        merge_into = st.text_input("Merge into post id (for merge)", key="review_merge_into")
        if "review_snooze_until" not in st.session_state:
            st.session_state["review_snooze_until"] = as_of + dt.timedelta(days=14)
        snooze_until = st.date_input("Snooze until (for snooze)", key="review_snooze_until", format="YYYY-MM-DD")
        submitted = st.form_submit_button("Record decision", type="primary", disabled=not name)
    if not submitted:
        return
    ids = ([opened] if opened else []) if target == TARGETS[0] else selected
    try:
        made = record(ids, decision, note=note, assignee=assign_to, merge_into=merge_into,
                      snooze_until=snooze_until, content_hashes=hashes)
    except CopydeskError as exc:      # refused, or the database stayed busy: say so, keep the form
        show_error(exc)
        return
    st.session_state[FLASH] = f"Recorded '{DECISIONS[decision]}' for {len(made)} post(s)."
    st.session_state["review_form_reset"] = True
    if target == TARGETS[0] or opened in ids:
        st.session_state["review_close"] = True         # the decided post closes; Next opens the next one
    st.rerun()


def show_flash() -> None:
    if st.session_state.get(FLASH):
        st.success(md_escape(st.session_state.pop(FLASH)))
