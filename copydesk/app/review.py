"""The Review queue page's data: cached queue reads, the post opened, decisions, reviewer identity,
plain-text rendering of a post.

Reads are cached until the database changes or this session records a decision
(:func:`copydesk.app.common.version`); a decision goes through :func:`copydesk.queue.decide`
(a short-lived read-write connection that waits while another process writes).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Callable

import pandas as pd
import streamlit as st

from .. import queue
from ..freshness import Policy
from .common import Connection, cached_read, csv_of, database, reading, stop_on_error, wrote

REVIEWER_KEY = "review_reviewer"      # the name given this session (not a widget key: survives page switches)
# The queue columns the table shows, in order.
TABLE_COLUMNS = ["post_id", "priority", "reasons", "title", "site", "status", "band", "review_age_days",
                 "computed_freshness", "view_count", "last_decision", "assignee"]
METADATA_FIELDS = ["post_id", "site", "status", "version", "last_reviewed", "view_count", "difficulty", "stack",
                   "tools", "topic", "summary", "score_quality", "score_freshness", "score_depth", "score_clarity",
                   "ai_generated_style", "needs_human_review", "has_meta", "warnings", "reference", "source_file",
                   "source_sha256", "imported_at"]


@cached_read
def queue_view(con: Connection, policy: Policy, as_of: dt.date, filters: dict, sort: str, direction: str,
               limit: int, offset: int) -> tuple[pd.DataFrame, int]:
    """One page of the queue (the columns of ``review/queue_rows``: post_id, priority, reasons, title,
    site, status, band, review_age_days, computed_freshness, view_count, last_decision, assignee,
    source_sha256 …) and the queue's total under the filters, in one pass over the queue keys."""
    return queue.fetch_page_with_count(con, policy, filters, as_of=as_of, sort=sort, direction=direction,
                                       limit=limit, offset=offset)


@cached_read
def reason_counts(con: Connection, policy: Policy, as_of: dt.date, filters: dict) -> pd.DataFrame:
    """Posts per reason in the view: ``reason``, ``posts``."""
    return queue.reason_counts(con, policy, as_of, filters)


@cached_read
def assignees(con: Connection) -> list[str]:
    """Assignees named by the current decisions."""
    return queue.assignees(con)


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


def record(post_ids, decision: str, **kw) -> list[int]:
    """Record ``decision`` for the posts by the reviewer of this session; raises DecisionError,
    DatabaseBusy.  ``kw``: note, assignee, merge_into, snooze_until, content_hashes."""
    ids = queue.decide(database(), post_ids, decision, reviewer(), **kw)
    wrote()
    return ids


# --- reviewer identity ------------------------------------------------------------------

def oidc_user() -> dict:
    """``st.user`` as a dict ({} when Streamlit's OIDC login is not configured)."""
    try:
        return dict(st.user.to_dict())
    except Exception:
        return {}


def reviewer() -> str | None:
    """The reviewer's name: from ``st.user`` when logged in via OIDC, else the name given this session."""
    return queue.reviewer_name(oidc_user(), st.session_state.get(REVIEWER_KEY))


def _remember_name() -> None:
    st.session_state[REVIEWER_KEY] = (st.session_state.get("review_name_input") or "").strip()


def reviewer_box() -> str | None:
    """Show who is reviewing; ask for a name once per session when there is no OIDC login."""
    user = oidc_user()
    name = queue.reviewer_name(user, None)
    if name:
        st.text(f"Reviewing as {name} (signed in)")
        return name
    if st.session_state.get(REVIEWER_KEY):
        cols = st.columns([4, 1])
        cols[0].text(f"Reviewing as {st.session_state[REVIEWER_KEY]}")
        if cols[1].button("Change name", key="review_change_name"):
            st.session_state[REVIEWER_KEY] = ""
            st.rerun()
        return st.session_state[REVIEWER_KEY]
    st.text_input("Your name (recorded with every decision)", key="review_name_input", on_change=_remember_name,
                  placeholder="e.g. Dana Editor")
    if st.session_state.get("review_name_input", "").strip():
        _remember_name()
        return st.session_state[REVIEWER_KEY]
    st.info("Enter your name to record decisions (or configure login: see the README).")
    return None


# --- plain-text rendering ---------------------------------------------------------------

def show_post(post: dict) -> None:
    """The article and its metadata as plain text: never markdown, never HTML."""
    st.text(str(post.get("title") or "(no title)"))
    st.text(str(post.get("body") or ""), wrap=True)


def metadata_frame(post: dict) -> pd.DataFrame:
    """``field``, ``value``: the post's metadata and scores as text, one row per field."""
    def text(v):
        if v is None or (isinstance(v, float) and pd.isna(v)):
            return ""
        if hasattr(v, "tolist"):
            v = v.tolist()
        if isinstance(v, (list, tuple)):
            return ", ".join(map(str, v))
        return str(v)
    return pd.DataFrame({"field": METADATA_FIELDS, "value": [text(post.get(k)) for k in METADATA_FIELDS]})
