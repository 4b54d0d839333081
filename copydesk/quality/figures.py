"""What the Quality page and the quality card read, from DuckDB: functions of a connection, the
policy and the shared filters (the dashboard's ``copydesk.app.quality`` caches and draws them).

Every aggregate of :func:`page_figures` comes from one statement (``quality/page_figures``): the
filtered posts' quality columns (``quality/page_rows``) are computed once inside DuckDB (a
materialised CTE) and only the aggregates travel, with at most :data:`MAX_POINTS` points of the
scatter.  Without a sidebar filter the rows come straight from the ``posts`` view joined with
``quality_scores`` (no ``review/post_freshness`` pass: it would keep every post)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa

from .. import queries, trends
from ..freshness import Policy
from .corpus import queue_params

MAX_POINTS = 3000              # points of the scatter (every disagreement first, then a sample)
MAX_KEYS = 25                  # sites / stacks in the sub-score breakdown


def _rows(con, policy: Policy, filters: dict | None, as_of: dt.date) -> queries.Statement:
    """``quality/page_rows`` for the filters: over the posts view itself when no filter is set."""
    if trends.clean_filters(filters):
        return trends.statement("quality/page_rows", policy, filters, as_of, con=con)
    return queries.statement("quality/page_rows", parts={"posts": "posts"})


def _frame(value: pa.ListScalar, kind: pa.ListType) -> pd.DataFrame:
    """A list of structs (one column of ``quality/page_figures``) as a DataFrame (its columns even when empty)."""
    rows = value.values if value.is_valid else pa.array([], kind.value_type)
    return pa.Table.from_struct_array(rows).to_pandas()


def page_figures(con, policy: Policy, filters: dict | None, as_of: dt.date) -> dict:
    """``headline`` (dict), ``distribution``, ``points``, ``findings``, ``by_site`` (DataFrames)."""
    qp = queue_params(policy.quality)
    got = queries.statement("quality/page_figures", {**qp, "max_points": MAX_POINTS, "dim": "site",
                                                     "max_keys": MAX_KEYS},
                            parts={"rows": _rows(con, policy, filters, as_of)}).arrow(con)
    out = {"headline": got.column("headline")[0].as_py()}
    for name in ("distribution", "points", "findings", "by_site"):
        out[name] = _frame(got.column(name)[0], got.schema.field(name).type)
    out["points"] = out["points"].drop(columns="point")      # its rank: the list's order
    return out


def breakdown(con, policy: Policy, filters: dict | None, as_of: dt.date, dim: str) -> pd.DataFrame:
    """Mean sub-scores per site or stack (``quality/page_breakdown``)."""
    return queries.statement("quality/page_breakdown", {"dim": dim, "max_keys": MAX_KEYS},
                             parts={"rows": _rows(con, policy, filters, as_of)}).df(con)


def template_sentences(con, limit: int) -> tuple[pd.DataFrame, int]:
    """The ``limit`` most widespread template sentences and how many there are in all."""
    df = queries.statement("quality/top_template_sentences", {"limit": limit}).df(con)
    total = int(df["total"].iloc[0]) if len(df) else 0
    return df.drop(columns=["total"]), total


def batch_trend(con, site: str | None = None) -> pd.DataFrame:
    """The computed-quality figures after each import batch (one site's when ``site`` is given), oldest
    first (empty in a database made before they were recorded)."""
    if "quality_batch_metrics" not in trends.table_names(con):
        return pd.DataFrame()
    return queries.statement("quality/batch_trend", {"site": site}).df(con)


def post_card(con, post_id: str) -> dict | None:
    """One post's ``post_quality`` row (None when there is no such post)."""
    found = queries.statement("quality/post_card", {"post_id": post_id}).arrow(con).to_pylist()
    return found[0] if found else None


def sentence_posts(con, hashes: list[int]) -> dict[int, int]:
    """How many current posts hold each of ``hashes`` (those none holds are left out)."""
    if not hashes:
        return {}
    got = queries.statement("quality/sentence_posts", {"hashes": list(hashes)}).arrow(con)
    return dict(zip(got.column("sentence_hash").to_pylist(), got.column("posts").to_pylist()))
