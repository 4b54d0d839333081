"""The Scores & trends page's data: headline figures, distributions, breakdowns, trends, and the
posts behind a clicked chart mark.

Every figure is aggregated in DuckDB by :mod:`copydesk.trends` for the filters, the policy and
the as-of date, and cached until the database changes.  A drill-down (``trends.drill_from_point``:
``{"label", "filters", "extra"}``) lives in the session under :data:`DRILL`.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from .. import charts, trends
from ..freshness import Policy
from .common import Connection, cached_read

DIMENSIONS = trends.DIMENSIONS           # site, stack, difficulty, status
# Columns of :func:`breakdown` a chart can show, in menu order.
MEASURES = ("mean_quality", "mean_computed_freshness", "mean_depth", "mean_clarity", "mean_freshness",
            "median_quality", "stale_share", "posts")
DRILL = "scores_drill"                   # session key of the drill-down shown in the posts table
POSTS_SHOWN = 200


@dataclass(frozen=True)
class PageFigures:
    """What the page draws for one set of filters, from one pass over post-freshness."""
    headline: dict               # trends.headline: posts, queue_size, stale_share, median_quality, ...
    distribution: pd.DataFrame   # score, bucket (lower edge: 0, 10 … 90), posts
    by_month: pd.DataFrame       # month, posts, mean_* scores, median_quality, stale_posts
    heatmap: pd.DataFrame        # stack, band, posts, share, stack_posts, stack_stale_share (25 largest stacks)


@cached_read
def page_figures(con: Connection, policy: Policy, filters: dict, as_of: dt.date) -> PageFigures:
    """Headline, distributions, monthly trend and staleness heatmap for the filters (``as_of`` apart)."""
    f = trends.page_figures(con, policy, filters, as_of)
    return PageFigures(f["headline"], f["distribution"], f["by_month"], f["heatmap"])


@cached_read
def breakdown(con: Connection, policy: Policy, filters: dict, as_of: dt.date, dim: str) -> pd.DataFrame:
    """One row per value of ``dim`` (column ``key``, ``(none)`` when missing): ``posts``, ``mean_*`` scores,
    ``median_quality``, ``stale_posts``, ``stale_share``."""
    return trends.run(con, "trends/breakdown", policy, filters, as_of, dim=dim)


@cached_read
def batch_trend(con: Connection, site: str | None = None) -> pd.DataFrame:
    """The snapshots recorded after each import batch, oldest first (one site's when ``site`` is given):
    ``batch_id``, ``posts``, ``queue_size``, ``stale_posts``, ``stale_share``, mean/median scores,
    ``duplicate_clusters`` …"""
    return trends.batch_trend(con, site)


@cached_read
def posts_count(con: Connection, policy: Policy, filters: dict, as_of: dt.date, drill: dict) -> int:
    """How many posts the filters and a drill-down's extra parameters (score range, batch) select."""
    return trends.posts_count(con, policy, filters, as_of, **drill)


@cached_read
def posts_page(con: Connection, policy: Policy, filters: dict, as_of: dt.date, drill: dict,
               limit: int = POSTS_SHOWN) -> pd.DataFrame:
    """The first ``limit`` of those posts by post id, with the columns of the ``posts`` export."""
    return trends.posts_page(con, policy, filters, as_of, limit=limit, **drill)


# --- headline figures -------------------------------------------------------------------------

def show_headline(filters: dict, head: dict) -> None:
    """The five headline figures as ``st.metric`` with their change since the previous import batch
    (shown for the unfiltered corpus only); ``filters`` without ``as_of``."""
    change = trends.change_since_previous_batch(batch_trend(None))
    unfiltered = not any(filters.values())

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


# --- from a chart to the posts behind it ------------------------------------------------------

def _set_drill(kind: str, chart_key: str, **ctx) -> None:
    """on_select callback: the clicked mark becomes the drill-down."""
    event = st.session_state.get(chart_key) or {}
    points = (event.get("selection") or {}).get(charts.PICK) or []
    if points:
        st.session_state[DRILL] = trends.drill_from_point(kind, points[0], **ctx)


def pick_chart(chart, key: str, kind: str, **ctx) -> None:
    """Draw ``chart``; a click on a mark opens its posts (``kind`` and ``ctx``: ``trends.drill_from_point``)."""
    st.altair_chart(chart, key=key, on_select=functools.partial(_set_drill, kind, key, **ctx),
                    selection_mode=charts.PICK, width="stretch")


def pick_key(dim: str, key: str | None) -> None:
    """The "Show posts for" choice of ``dim``: a new choice becomes the drill-down (once)."""
    done = f"scores_pick_{dim}_done"
    if key is not None and st.session_state.get(done) != key:
        st.session_state[done] = key
        st.session_state[DRILL] = trends.drill_from_point("key", {"key": key}, dim=dim)


def current_drill() -> dict | None:
    """The drill-down chosen on this page (``{"label", "filters", "extra"}``), or None."""
    return st.session_state.get(DRILL)


def clear_drill() -> None:
    st.session_state.pop(DRILL, None)


def drilled(filters: dict, drill: dict | None) -> tuple[dict, dict]:
    """The filters narrowed by the drill-down, and the ``posts`` export's extra parameters."""
    return trends.apply_drill(filters, drill)
