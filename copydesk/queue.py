"""The review queue: reasons, priority, filters, paging, and triage decisions.

A post is *in the queue* when it has at least one *queue reason* (see :data:`REASONS`; the
policy's ``[queue] signals`` are reasons that only raise the priority) and no current
decision covers it.  A decision covers a post until its content changes (the
post's ``source_sha256`` differs from the hash recorded with the decision) or, for a
snooze, until the as-of date reaches ``snooze_until``.  Undo is a new ``reopen``
decision.  Decisions are appended to ``review_decisions``; ``review_state`` is the
latest per post.

Priority (``queries/review/queue_rows.sql``)::

    priority = Σ severity of each reason            ([priority.severity] in the policy)
             + staleness_max × min(1, age / (2 × stale_after_days))   (staleness_max if never reviewed)
             + min(impact_max, impact_per_decade × log10(1 + view_count))

Everything is computed in DuckDB; pages fetch one page (LIMIT/OFFSET) at a time.
"""

from __future__ import annotations

import datetime as dt
import os

from typing import TYPE_CHECKING

from . import db as dbmod
from . import freshness, queries
from .clock import as_utc, utc_now
from .domain import DECISIONS, DIRECTIONS, REASONS, SORTS, STATES  # noqa: F401  (re-exported)
from .errors import DecisionError
from .freshness import Policy

if TYPE_CHECKING:                # pandas is imported where a DataFrame is made: `copydesk import`
    import pandas as pd           # counts the queue (queue_count) and makes none

SORT_COLUMNS = frozenset(SORTS.values())
# Filters of the queue itself, on top of the shared post filters (site, stack, status, band ...).
QUEUE_FILTER_KEYS = ("reason", "state", "assignee", "search", "post_ids")


# --- building the queries ----------------------------------------------------------------

def tables_present(con, names) -> set[str]:
    """Which of these tables exist in the database."""
    return set(names) & {r[0] for r in queries.run(con, "schema/table_names").fetchall()}


def has_duplicate_tables(con) -> bool:
    """True when the near-duplicate tables (queries/schema/30_duplicates.sql) exist."""
    return tables_present(con, ["near_duplicates", "duplicate_clusters"]) == {"near_duplicates", "duplicate_clusters"}


def _parts(con) -> dict:
    """Without the near-duplicate tables (an old read-only database) the duplicate links are empty;
    without the review tables no decision counts as a review; without the quality tables no post has
    a quality reason."""
    if con is None:
        return {}
    present = tables_present(con, ["near_duplicates", "duplicate_clusters", "review_decisions", "quality_scores"])
    parts = {}
    if "quality_scores" not in present:
        parts["quality_flags"] = "review/quality_flags_none"
    if not {"near_duplicates", "duplicate_clusters"} <= present:
        parts["duplicate_links"] = "review/duplicate_links_none"
    if "review_decisions" not in present:
        parts["decision_reviews"] = "review/decision_reviews_none"
    return parts


def _sort(sort: str, direction: str) -> dict:
    return {"sort": sort, "direction": direction.upper()}


def statement(name: str, policy: Policy, filters: dict | None = None, *, as_of: dt.date | None = None,
              con=None, choose: dict | None = None, **extra) -> queries.Statement:
    """A ``review/`` query over the queue (``review/queue_rows``, ``review/queue_count`` ...) with the
    policy's and the filters' parameters.

    ``filters`` keys (all optional; a value may be a string or a list): site, stack, status,
    reason, difficulty, band, assignee, reviewed_from, reviewed_to, state (open | decided | all),
    search, post_ids, as_of.  Pass ``con`` to fall back gracefully when the near-duplicate
    tables do not exist."""
    return queries.statement(name, {**freshness.params(policy, filters, as_of), **extra},
                             parts=_parts(con), choose=choose)


def queue_sql(policy: Policy, filters: dict | None = None, *, as_of: dt.date | None = None,
              con=None) -> queries.Statement:
    """ONE SELECT of all queue rows under the filters (``review/queue_rows``)."""
    return statement("review/queue_rows", policy, filters, as_of=as_of, con=con)


def queue_page_sql(policy: Policy, filters: dict | None = None, *, sort: str = "priority",
                   direction: str = "DESC", limit: int = 50, offset: int = 0,
                   as_of: dt.date | None = None, con=None) -> queries.Statement:
    """One page of the queue: ORDER BY a column from :data:`SORT_COLUMNS`, LIMIT/OFFSET in DuckDB."""
    return statement("review/queue_page", policy, filters, as_of=as_of, con=con, choose=_sort(sort, direction),
                     limit=int(limit), offset=max(0, int(offset)))


def stale_drafts_sql(policy: Policy, filters: dict | None = None, *,
                     as_of: dt.date | None = None) -> queries.Statement:
    """ONE SELECT of drafts that are stale or never reviewed under the policy."""
    return statement("review/stale_drafts", policy, filters, as_of=as_of)


# --- reading ---------------------------------------------------------------------------

def _page_ids(con, name: str, policy: Policy, filters, sort, direction, limit, offset, as_of):
    return statement(name, policy, filters, as_of=as_of, con=con, choose=_sort(sort, direction),
                     limit=int(limit), offset=max(0, int(offset))).execute(con).fetchall()


def _rows_of(con, policy: Policy, filters, ids: list[str], sort, direction, as_of) -> pd.DataFrame:
    narrowed = {**(filters or {}), "post_ids": ids}
    return queue_page_sql(policy, narrowed, sort=sort, direction=direction, limit=len(ids), offset=0,
                          as_of=as_of, con=con).df(con)


def fetch_page(con, policy: Policy, filters: dict | None = None, *, sort: str = "priority",
               direction: str = "DESC", limit: int = 50, offset: int = 0,
               as_of: dt.date | None = None) -> pd.DataFrame:
    """One page of queue rows as a DataFrame (never more than ``limit`` rows).

    Two short queries: the page's post ids from a narrow sort over the flags (``review/queue_page_ids``),
    then the worded rows of just those posts — sorting 1M wide rows is what would cost.
    """
    ids = [r[0] for r in _page_ids(con, "review/queue_page_ids", policy, filters, sort, direction, limit, offset,
                                   as_of)]
    return _rows_of(con, policy, filters, ids, sort, direction, as_of)


def fetch_page_with_count(con, policy: Policy, filters: dict | None = None, *, sort: str = "priority",
                          direction: str = "DESC", limit: int = 50, offset: int = 0,
                          as_of: dt.date | None = None) -> tuple[pd.DataFrame, int]:
    """One page of queue rows and the queue's total: what the page shows, in one pass over the keys."""
    found = _page_ids(con, "review/queue_page_ids_count", policy, filters, sort, direction, limit, offset, as_of)
    total = int(found[0][1]) if found else queue_count(con, policy, as_of, filters)
    return _rows_of(con, policy, filters, [r[0] for r in found], sort, direction, as_of), total


def queue_count(con, policy: Policy, as_of: dt.date | None = None, filters: dict | None = None) -> int:
    """How many posts are in the queue under the filters."""
    return int(statement("review/queue_count", policy, filters, as_of=as_of, con=con).scalar(con))


def reason_counts(con, policy: Policy, as_of: dt.date | None = None, filters: dict | None = None) -> pd.DataFrame:
    return statement("review/queue_reason_counts", policy, filters, as_of=as_of, con=con).df(con)


def today_ids(con, policy: Policy, as_of: dt.date | None, filters: dict | None, reviewer: str | None,
              limit: int) -> list[str]:
    """The next ``limit`` open posts for ``reviewer`` (``review/today``): assigned to them first, then
    by priority; ``filters`` are the post filters (site, stack ...)."""
    rows = statement("review/today", policy, {**(filters or {}), "state": "open"}, as_of=as_of, con=con,
                     reviewer=reviewer or "", limit=int(limit)).execute(con).fetchall()
    return [r[0] for r in rows]


def decided_since(con, reviewer: str | None, since: dt.datetime) -> int:
    """How many posts ``reviewer`` decided since ``since`` (UTC)."""
    if not reviewer or not tables_present(con, ["review_decisions"]):
        return 0
    return int(queries.run(con, "review/decided_today", reviewer=reviewer, since=as_utc(since)).fetchone()[0])


def stale_drafts(con, policy: Policy, as_of: dt.date | None = None, filters: dict | None = None) -> pd.DataFrame:
    return stale_drafts_sql(policy, filters, as_of=as_of).df(con)


def export_csv(con, policy: Policy, as_of: dt.date | None = None, filters: dict | None = None) -> bytes:
    """The whole queue under the filters as CSV (the exports' writer: formulas neutralised)."""
    from . import export
    return export.csv_bytes_of(con, statement("review/queue_export", policy, filters, as_of=as_of, con=con))


def decision_log(con, post_id: str | None = None) -> pd.DataFrame:
    return queries.run(con, "review/decision_log", post_id=post_id).df()


def decision_log_csv(con) -> bytes:
    """Every decision as CSV (the exports' writer: formulas neutralised)."""
    from . import export
    return export.csv_bytes_of(con, queries.statement("review/decision_log", {"post_id": None}))


def post_detail(con, post_id: str) -> dict | None:
    df = queries.run(con, "review/post", post_id=post_id).df()
    return None if df.empty else df.iloc[0].to_dict()


def post_duplicates(con, post_id: str) -> pd.DataFrame:
    if not has_duplicate_tables(con):
        import pandas as pd
        return pd.DataFrame(columns=["other_post_id", "other_title", "similarity", "title_similarity", "kind"])
    return queries.run(con, "review/post_duplicates", post_id=post_id).df()


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
    known = {r[0] for r in queries.run(con, "review/known_posts",
                                         post_ids=post_ids + ([merge_into] if merge_into else [])).fetchall()}
    missing = [p for p in post_ids if p not in known]
    if missing:
        raise DecisionError(f"unknown post(s): {', '.join(missing[:5])}")
    if merge_into and merge_into not in known:
        raise DecisionError(f"unknown post to merge into: {merge_into}")
    now = as_utc(decided_at) if decided_at else utc_now()
    hashes = content_hashes or {}
    import pandas as pd
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
        ids = [r[0] for r in queries.run(con, "review/insert_decisions").fetchall()]
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
    return [r[0] for r in queries.run(con, "review/assignees").fetchall()]
