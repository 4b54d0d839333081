"""The review queue: reasons, priority, filters, paging, and triage decisions.

A post is *in the queue* when it has at least one reason (see :data:`REASONS`) and no
current decision covers it.  A decision covers a post until its content changes (the
post's ``source_sha256`` differs from the hash recorded with the decision) or, for a
snooze, until the as-of date reaches ``snooze_until``.  Undo is a new ``reopen``
decision.  Decisions are appended to ``review_decisions``; ``review_state`` is the
latest per post.

Priority (``queries/queue_rows.sql``)::

    priority = Σ severity of each reason            ([priority.severity] in the policy)
             + staleness_max × min(1, age / (2 × stale_after_days))   (staleness_max if never reviewed)
             + min(impact_max, impact_per_decade × log10(1 + view_count))

Everything is computed in DuckDB; pages fetch one page (LIMIT/OFFSET) at a time.
"""

from __future__ import annotations

import datetime as dt
import io
import os

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from . import db as dbmod
from . import queries
from .freshness import Policy, body, compose, filter_params, policy_params, used_params

DECISIONS = {
    "approve": "Approve",
    "needs_edits": "Needs edits",
    "merge": "Merge into another post",
    "unpublish": "Unpublish",
    "snooze": "Snooze until a date",
    "reopen": "Reopen (undo the last decision)",
}

REASONS = {
    "flagged": "flagged: needs human review",
    "stale_draft": "stale draft (older than stale_after_days)",
    "never_reviewed_draft": "never-reviewed draft",
    "ai_unreviewed": "AI-generated style, never reviewed",
    "needs_update": "status asks for an update",
    "low_score": "a score below its watch threshold",
    "duplicate": "near-duplicate, not the canonical post",
    "no_metadata": "no metadata box",
    "parse_warnings": "parse warnings",
    "freshness_drift": "recorded vs computed freshness drift",
    "content_changed": "content changed since the last decision",
}

SORTS = {
    "priority": "priority",
    "review age": "review_age_days",
    "views": "view_count",
    "computed freshness": "computed_freshness",
    "quality": "score_quality",
    "last reviewed": "last_reviewed",
    "post id": "post_id",
    "title": "title",
    "site": "site",
}
SORT_COLUMNS = frozenset(SORTS.values())
DIRECTIONS = frozenset({"ASC", "DESC"})
STATES = ("open", "decided", "all")


class DecisionError(ValueError):
    """A decision that cannot be recorded (no reviewer, unknown post, missing date ...)."""


# --- building the queries ----------------------------------------------------------------

def has_duplicate_tables(con) -> bool:
    """True when the near-duplicate tables (queries/schema_30_duplicates.sql) exist."""
    return tables_present(con, ["near_duplicates", "duplicate_clusters"]) == {"near_duplicates", "duplicate_clusters"}


def tables_present(con, names) -> set[str]:
    return {r[0] for r in queries.run(con, "review-tables-present", names=list(names)).fetchall()}


def _queue_keys_text(con=None) -> str:
    dup = body("queue-duplicate-links")
    if con is not None and not has_duplicate_tables(con):
        dup = body("queue-duplicate-links-none")
    return compose("queue-keys", post_freshness=body("post-freshness"), duplicate_links=dup)


def _params(policy: Policy, filters: dict | None, as_of) -> dict:
    filters = dict(filters or {})
    as_of = as_of or filters.pop("as_of", None) or dt.date.today()
    filters.pop("as_of", None)
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    return {**policy_params(policy, as_of), **filter_params(filters)}


def queue_sql(policy: Policy, filters: dict | None = None, *, as_of: dt.date | None = None,
              con=None) -> tuple[str, dict]:
    """ONE SELECT of all queue rows under the filters, and its named parameters (incl. ``as_of``).

    ``filters`` keys (all optional; a value may be a string or a list): site, stack, status,
    reason, difficulty, band, assignee, reviewed_from, reviewed_to, state (open | decided | all),
    search, post_ids, as_of.  Pass ``con`` to fall back gracefully when the near-duplicate
    tables do not exist.
    """
    sql_text = compose("queue-rows", queue_keys=_queue_keys_text(con))
    return sql_text, used_params(sql_text, _params(policy, filters, as_of))


def _wrap(name: str, policy, filters, as_of, con, **extra) -> tuple[str, dict]:
    """A named query over {{queue_keys}} (flags and priority, no text) or {{queue_rows}} (worded)."""
    keys = _queue_keys_text(con)
    text = body(name)
    parts = {"queue_keys": keys} if "{{queue_keys}}" in text else {"queue_rows": compose("queue-rows", queue_keys=keys)}
    sql_text = compose(name, text, **parts)
    return sql_text, used_params(sql_text, {**_params(policy, filters, as_of), **extra})


def queue_page_sql(policy: Policy, filters: dict | None = None, *, sort: str = "priority",
                   direction: str = "DESC", limit: int = 50, offset: int = 0,
                   as_of: dt.date | None = None, con=None) -> tuple[str, dict]:
    """One page of the queue: ORDER BY a column from :data:`SORT_COLUMNS`, LIMIT/OFFSET in DuckDB."""
    text = queries.with_identifier(body("queue-page"), "sort", sort, SORT_COLUMNS)
    text = queries.with_identifier(text, "direction", direction.upper(), DIRECTIONS)
    text = compose("queue-page", text, queue_keys=_queue_keys_text(con),
                   queue_rows_of_top=compose("queue-rows", queue_keys="top"))
    params = {**_params(policy, filters, as_of), "limit": int(limit), "offset": max(0, int(offset))}
    return text, used_params(text, params)


def stale_drafts_sql(policy: Policy, filters: dict | None = None, *,
                     as_of: dt.date | None = None) -> tuple[str, dict]:
    """ONE SELECT of drafts that are stale or never reviewed under the policy, and its parameters."""
    text = compose("stale-drafts", post_freshness=body("post-freshness"))
    return text, used_params(text, _params(policy, filters, as_of))


def freshness_bands_sql(policy: Policy, filters: dict | None = None, *,
                        as_of: dt.date | None = None) -> tuple[str, dict]:
    text = compose("freshness-bands", post_freshness=body("post-freshness"))
    return text, used_params(text, _params(policy, filters, as_of))


# --- reading ---------------------------------------------------------------------------

def _page_ids(con, name: str, policy: Policy, filters, sort, direction, limit, offset, as_of):
    text = queries.with_identifier(body(name), "sort", sort, SORT_COLUMNS)
    text = queries.with_identifier(text, "direction", direction.upper(), DIRECTIONS)
    text = compose(name, text, queue_keys=_queue_keys_text(con))
    params = {**_params(policy, filters, as_of), "limit": int(limit), "offset": max(0, int(offset))}
    return con.execute(text, used_params(text, params)).fetchall()


def _rows_of(con, policy: Policy, filters, ids: list[str], sort, direction, as_of) -> pd.DataFrame:
    narrowed = {**(filters or {}), "post_ids": ids}
    sql_text, params = queue_page_sql(policy, narrowed, sort=sort, direction=direction,
                                      limit=len(ids), offset=0, as_of=as_of, con=con)
    return con.execute(sql_text, params).df()


def fetch_page(con, policy: Policy, filters: dict | None = None, *, sort: str = "priority",
               direction: str = "DESC", limit: int = 50, offset: int = 0,
               as_of: dt.date | None = None) -> pd.DataFrame:
    """One page of queue rows as a DataFrame (never more than ``limit`` rows).

    Two short queries: the page's post ids from a narrow sort over the flags (``queue-page-ids``),
    then the worded rows of just those posts — sorting 1M wide rows is what would cost.
    """
    ids = [r[0] for r in _page_ids(con, "queue-page-ids", policy, filters, sort, direction, limit, offset, as_of)]
    return _rows_of(con, policy, filters, ids, sort, direction, as_of)


def fetch_page_with_count(con, policy: Policy, filters: dict | None = None, *, sort: str = "priority",
                          direction: str = "DESC", limit: int = 50, offset: int = 0,
                          as_of: dt.date | None = None) -> tuple[pd.DataFrame, int]:
    """One page of queue rows and the queue's total: what the page shows, in one pass over the keys."""
    found = _page_ids(con, "queue-page-ids-count", policy, filters, sort, direction, limit, offset, as_of)
    total = int(found[0][1]) if found else queue_count(con, policy, as_of, filters)
    return _rows_of(con, policy, filters, [r[0] for r in found], sort, direction, as_of), total


def queue_count(con, policy: Policy, as_of: dt.date | None = None, filters: dict | None = None) -> int:
    """How many posts are in the queue under the filters."""
    sql_text, params = _wrap("queue-count", policy, filters, as_of, con)
    return int(con.execute(sql_text, params).fetchone()[0])


def reason_counts(con, policy: Policy, as_of: dt.date | None = None, filters: dict | None = None) -> pd.DataFrame:
    sql_text, params = _wrap("queue-reason-counts", policy, filters, as_of, con)
    return con.execute(sql_text, params).df()


def stale_drafts(con, policy: Policy, as_of: dt.date | None = None, filters: dict | None = None) -> pd.DataFrame:
    sql_text, params = stale_drafts_sql(policy, filters, as_of=as_of)
    return con.execute(sql_text, params).df()


def _csv(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pacsv.write_csv(table, buf)
    return buf.getvalue()


def export_csv(con, policy: Policy, as_of: dt.date | None = None, filters: dict | None = None) -> bytes:
    """The whole queue under the filters as CSV (built from Arrow, not row by row)."""
    sql_text, params = _wrap("queue-export", policy, filters, as_of, con)
    return _csv(con.sql(sql_text, params=params).to_arrow_table())


def decision_log(con, post_id: str | None = None) -> pd.DataFrame:
    return queries.run(con, "review-decision-log", post_id=post_id).df()


def decision_log_csv(con) -> bytes:
    return _csv(con.sql(queries.sql("review-decision-log"), params={"post_id": None}).to_arrow_table())


def post_detail(con, post_id: str) -> dict | None:
    df = queries.run(con, "review-post", post_id=post_id).df()
    return None if df.empty else df.iloc[0].to_dict()


def post_duplicates(con, post_id: str) -> pd.DataFrame:
    if not has_duplicate_tables(con):
        return pd.DataFrame(columns=["other_post_id", "other_title", "similarity", "title_similarity", "kind"])
    return queries.run(con, "review-post-duplicates", post_id=post_id).df()


# --- deciding --------------------------------------------------------------------------

def reviewer_name(user=None, typed: str | None = None) -> str | None:
    """The reviewer: the OIDC user's name/email when logged in, else the name typed this session."""
    try:
        if user is not None and user.get("is_logged_in"):
            for key in ("name", "email", "preferred_username", "sub"):
                value = user.get(key)
                if value and str(value).strip():
                    return str(value).strip()
    except Exception:  # st.user without auth configured
        pass
    typed = (typed or "").strip()
    return typed or None


def record_decisions(con, post_ids, decision: str, reviewer: str | None, *, note: str | None = None,
                     assignee: str | None = None, merge_into: str | None = None,
                     snooze_until: dt.date | None = None, content_hashes: dict | None = None,
                     decided_at: dt.datetime | None = None) -> list[int]:
    """Append one decision per post (bulk in one INSERT from a DataFrame); returns the new ids.

    ``content_hashes`` maps post id -> the source_sha256 the reviewer saw; by default the
    post's current hash is recorded.
    """
    if isinstance(post_ids, str):
        post_ids = [post_ids]
    post_ids = list(dict.fromkeys(p for p in post_ids if p))
    reviewer = (reviewer or "").strip()
    if not reviewer:
        raise DecisionError("no reviewer: sign in or enter your name first")
    if decision not in DECISIONS:
        raise DecisionError(f"unknown decision {decision!r}; one of {list(DECISIONS)}")
    if not post_ids:
        raise DecisionError("no post selected")
    merge_into = (merge_into or "").strip() or None
    if decision == "merge":
        if not merge_into:
            raise DecisionError("merge needs the post to merge into")
        if merge_into in post_ids:
            raise DecisionError("a post cannot be merged into itself")
    if decision == "snooze":
        if not snooze_until:
            raise DecisionError("snooze needs a date")
        if isinstance(snooze_until, str):
            snooze_until = dt.date.fromisoformat(snooze_until)
    known = {r[0] for r in queries.run(con, "review-known-posts",
                                         post_ids=post_ids + ([merge_into] if merge_into else [])).fetchall()}
    missing = [p for p in post_ids if p not in known]
    if missing:
        raise DecisionError(f"unknown post(s): {', '.join(missing[:5])}")
    if merge_into and merge_into not in known:
        raise DecisionError(f"unknown post to merge into: {merge_into}")
    now = decided_at or dt.datetime.now().replace(microsecond=0)
    hashes = content_hashes or {}
    df = pd.DataFrame({
        "post_id": pd.Series(post_ids, dtype="object"),
        "decision": decision,
        "note": (note or "").strip() or None,
        "reviewer": reviewer,
        "assignee": (assignee or "").strip() or None,
        "merge_into": merge_into if decision == "merge" else None,
        "snooze_until": snooze_until if decision == "snooze" else None,
        "decided_at": now,
        "content_hash": pd.Series([hashes.get(p) for p in post_ids], dtype="object"),
    })
    for col in ("note", "assignee", "merge_into", "content_hash"):
        df[col] = df[col].astype("object")
    df["snooze_until"] = pd.to_datetime(df["snooze_until"])
    con.register("new_decisions", df)
    try:
        ids = [r[0] for r in queries.run(con, "review-insert-decisions").fetchall()]
    finally:
        con.unregister("new_decisions")
    return ids


# Connections shared by many threads of one process: see copydesk.db.session.
session = dbmod.session


def decide(db: str | os.PathLike | None, post_ids, decision: str, reviewer: str | None, **kw) -> list[int]:
    """Record decisions through a short-lived read-write connection (waits while another process writes)."""
    with session(db) as con:
        if not tables_present(con, ["review_decisions"]):
            dbmod.ensure_schema(con)
        return record_decisions(con, post_ids, decision, reviewer, **kw)


def assignees(con) -> list[str]:
    """Assignees named by the current decisions."""
    return [r[0] for r in queries.run(con, "review-assignees").fetchall()]
