"""What the Quality page and the quality card read, from DuckDB: functions of a connection, the
policy and the shared filters (the dashboard's ``copydesk.app.quality`` caches and draws them).

The filtered posts' quality columns are fetched once per call (``quality/page_rows``, as Arrow,
registered as ``quality_page``) and every aggregate of :func:`page_figures` reads them."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .. import queries, trends
from ..freshness import Policy
from .corpus import queue_params

ROWS = "quality/_page_materialised"
MAX_POINTS = 3000              # points of the scatter (every disagreement first, then a sample)
MAX_KEYS = 25                  # sites / stacks in the sub-score breakdown


def _materialise(con, policy: Policy, filters: dict | None, as_of: dt.date) -> None:
    con.register("quality_page", trends.statement("quality/page_rows", policy, filters, as_of).arrow(con))


def _run(con, name: str, **params) -> pd.DataFrame:
    return queries.statement(name, params, parts={"rows": ROWS}).df(con)


def page_figures(con, policy: Policy, filters: dict | None, as_of: dt.date) -> dict:
    """``headline`` (dict), ``distribution``, ``points``, ``findings``, ``by_site`` (DataFrames)."""
    _materialise(con, policy, filters, as_of)
    qp = queue_params(policy.quality)
    return {
        "headline": queries.statement("quality/page_headline", qp, parts={"rows": ROWS}).arrow(con).to_pylist()[0],
        "distribution": _run(con, "quality/page_distribution"),
        "points": _run(con, "quality/page_points", disagreement_margin=qp["disagreement_margin"],
                       max_points=MAX_POINTS),
        "findings": _run(con, "quality/page_findings"),
        "by_site": _run(con, "quality/page_breakdown", dim="site", max_keys=MAX_KEYS),
    }


def breakdown(con, policy: Policy, filters: dict | None, as_of: dt.date, dim: str) -> pd.DataFrame:
    """Mean sub-scores per site or stack (``quality/page_breakdown``)."""
    _materialise(con, policy, filters, as_of)
    return _run(con, "quality/page_breakdown", dim=dim, max_keys=MAX_KEYS)


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
