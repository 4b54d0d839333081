"""Streamlit glue for the review-queue page: cached queue reads, reviewer identity, plain-text rendering.

Reads go through short-lived read-only connections and are cached until the database
file changes (``ui.db_version``) or a decision is recorded in this session; writes go
through :func:`copydesk.queue.decide` (a short-lived read-write connection).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from . import queue, ui
from .freshness import Policy

WRITES_KEY = "review_writes"          # bumps after every decision: part of the cache key
REVIEWER_KEY = "review_reviewer"      # the name given this session (not a widget key: survives page switches)


def _freeze(filters: dict) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in filters.items()))


def _thaw(frozen: tuple) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in frozen}


def _version() -> tuple:
    return (ui.db_version(), st.session_state.get(WRITES_KEY, 0))


@st.cache_data(show_spinner=False, max_entries=128)
def _view(path: str, version: tuple, policy_key: str, _policy: Policy, as_of: dt.date, filters: tuple,
          sort: str, direction: str, limit: int, offset: int) -> tuple[pd.DataFrame, int]:
    with queue.session(path, read_only=True) as con:
        return queue.fetch_page_with_count(con, _policy, _thaw(filters), as_of=as_of, sort=sort,
                                           direction=direction, limit=limit, offset=offset)


@st.cache_data(show_spinner=False, max_entries=32)
def _reason_counts(path: str, version: tuple, policy_key: str, _policy: Policy, as_of: dt.date, filters: tuple) -> pd.DataFrame:
    with queue.session(path, read_only=True) as con:
        return queue.reason_counts(con, _policy, as_of, _thaw(filters))


@st.cache_data(show_spinner=False, max_entries=16)
def _assignees(path: str, version: tuple) -> list[str]:
    with queue.session(path, read_only=True) as con:
        return queue.assignees(con)


def queue_view(policy: Policy, as_of: dt.date, filters: dict, sort: str, direction: str,
               limit: int, offset: int) -> tuple[pd.DataFrame, int]:
    """One page of the queue and the total under the filters (one pass over the queue keys; cached)."""
    return _view(str(ui.current_db()), _version(), repr(policy), policy, as_of, _freeze(filters), sort, direction,
                 limit, offset)


def reason_counts(policy: Policy, as_of: dt.date, filters: dict) -> pd.DataFrame:
    return _reason_counts(str(ui.current_db()), _version(), repr(policy), policy, as_of, _freeze(filters))


def assignees() -> list[str]:
    return _assignees(str(ui.current_db()), _version())


def post_detail(post_id: str) -> tuple[dict | None, pd.DataFrame, pd.DataFrame]:
    """The post, its near-duplicates and its decision history (uncached: must reflect the last write)."""
    with queue.session(ui.current_db(), read_only=True) as con:
        return queue.post_detail(con, post_id), queue.post_duplicates(con, post_id), queue.decision_log(con, post_id)


def queue_csv(policy: Policy, as_of: dt.date, filters: dict):
    """A callable for st.download_button: the whole filtered queue as CSV, built on click."""
    path = str(ui.current_db())

    def make() -> bytes:
        with queue.session(path, read_only=True) as con:
            return queue.export_csv(con, policy, as_of, filters)
    return make


def decisions_csv():
    path = str(ui.current_db())

    def make() -> bytes:
        with queue.session(path, read_only=True) as con:
            return queue.decision_log_csv(con)
    return make


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


def record(post_ids, decision: str, **kw) -> list[int]:
    ids = queue.decide(ui.current_db(), post_ids, decision, reviewer(), **kw)
    st.session_state[WRITES_KEY] = st.session_state.get(WRITES_KEY, 0) + 1
    return ids


# --- plain-text rendering ---------------------------------------------------------------

def show_post(post: dict) -> None:
    """The article and its metadata as plain text: never markdown, never HTML."""
    st.text(str(post.get("title") or "(no title)"))
    st.text(str(post.get("body") or ""), wrap=True)


def metadata_frame(post: dict) -> pd.DataFrame:
    keys = ["post_id", "site", "status", "version", "last_reviewed", "view_count", "difficulty", "stack", "tools",
            "topic", "summary", "score_quality", "score_freshness", "score_depth", "score_clarity",
            "ai_generated_style", "needs_human_review", "has_meta", "warnings", "reference", "source_file",
            "source_sha256", "imported_at"]

    def text(v):
        if v is None or (isinstance(v, float) and pd.isna(v)):
            return ""
        if hasattr(v, "tolist"):
            v = v.tolist()
        if isinstance(v, (list, tuple)):
            return ", ".join(map(str, v))
        return str(v)
    return pd.DataFrame({"field": keys, "value": [text(post.get(k)) for k in keys]})
