"""The Scores & trends page's data and widgets: headline figures, review coverage and throughput,
the open queue's outlook, figures across imports, review-age and score distributions, and the
posts behind a clicked chart mark, shown right under that chart.

Every figure is aggregated in DuckDB by :mod:`copydesk.trends` for the filters, the policy and
the as-of date, and cached until the database changes.  A drill-down
(``trends.drill_from_point``: ``{"label", "filters", "extra"}`` plus ``source``, the key of the
chart it came from) lives in the session under :data:`DRILL`.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from .. import charts, trends
from ..freshness import Policy
from .common import Connection, cached_read, describe_filters, export_download, md_escape, show_table

DIMENSIONS = trends.DIMENSIONS           # site, stack, difficulty, status
# Columns of a breakdown a chart can show, in menu order.
MEASURES = ("mean_quality", "mean_computed_freshness", "mean_depth", "mean_clarity", "mean_freshness",
            "median_quality", "stale_share", "posts")
DRILL = "scores_drill"                   # session key of the drill-down shown under its chart
POSTS_SHOWN = 200
MAX_KEYS = trends.MAX_KEYS               # groups drawn in the per-site / per-stack charts
PROJECTION_WINDOW_DAYS = trends.PROJECTION_WINDOW_DAYS
THROUGHPUT_WEEKS = trends.THROUGHPUT_WEEKS
batch_changes = trends.batch_changes     # snapshots newest first, each figure with its change
NONE = "—"                               # how every table shows a missing value


@dataclass(frozen=True)
class Scope:
    """What every figure of one render is computed for: the policy, the shared filters (without
    ``as_of``) and the as-of date."""
    policy: Policy
    filters: dict
    as_of: dt.date

    @classmethod
    def of(cls, policy: Policy, filters: dict) -> "Scope":
        """From ``shared_filters()`` (which holds ``as_of``)."""
        return cls(policy, {k: v for k, v in filters.items() if k != "as_of"}, filters["as_of"])

    def text(self) -> str:
        """Every active filter and the as-of date, as plain text (for captions)."""
        return f"{describe_filters(self.filters)} · as of {self.as_of:%Y-%m-%d}"

    def export_filters(self) -> dict:
        return {**self.filters, "as_of": self.as_of}


@dataclass(frozen=True)
class PageFigures:
    """What the page draws for one set of filters, from one pass over post-freshness."""
    headline: dict               # trends.headline: posts, queue_size, stale_share, median_quality, ...
    distribution: pd.DataFrame   # score, bucket (lower edge 0 … 90; NULL = no value), label, posts
    heatmap: pd.DataFrame        # stack, band, posts, share, stack_posts, stack_stale_share (25 largest stacks)
    coverage: pd.DataFrame       # month_end, all_sites, site, band, posts, share
    throughput: pd.DataFrame     # week, decision, decisions
    quality_by_age: pd.DataFrame  # age_rank, age_band, age_min, age_max, quality_band, posts, share, ...
    age_by_site: pd.DataFrame    # key, age_rank, age_band, age_min, age_max, posts, share, key_posts
    by_site: pd.DataFrame        # trends/breakdown by site: key, posts, mean_* scores, stale_share …


@cached_read
def page_figures(con: Connection, policy: Policy, filters: dict, as_of: dt.date) -> PageFigures:
    """Every aggregate of the page for the filters (``as_of`` apart), but the per-dimension ones below."""
    f = trends.page_figures(con, policy, filters, as_of)
    return PageFigures(f["headline"], f["distribution"], f["heatmap"], f["coverage"], f["throughput"],
                       f["quality_by_age"], f["age_by_site"], f["by_site"])


def breakdown(figures: PageFigures, scope: Scope, dim: str) -> pd.DataFrame:
    """One row per value of ``dim`` (column ``key``, ``(none)`` when missing): ``posts``, ``mean_*`` scores,
    ``median_quality``, ``stale_posts``, ``stale_share``.  By site from the page's figures; the
    other dimensions are read when shown."""
    return figures.by_site if dim == "site" else _breakdown(scope.policy, scope.filters, scope.as_of, dim)


@cached_read
def _breakdown(con: Connection, policy: Policy, filters: dict, as_of: dt.date, dim: str) -> pd.DataFrame:
    return trends.run(con, "trends/breakdown", policy, filters, as_of, dim=dim)


def review_age_by(figures: PageFigures, scope: Scope, dim: str) -> pd.DataFrame:
    """Posts per review-age band of each site (from the page's figures) or stack (read when shown)."""
    return figures.age_by_site if dim == "site" else _review_age_by_stack(scope.policy, scope.filters, scope.as_of)


@cached_read
def _review_age_by_stack(con: Connection, policy: Policy, filters: dict, as_of: dt.date) -> pd.DataFrame:
    return trends.run(con, "trends/review_age_bands", policy, filters, as_of, dim="stack", max_keys=MAX_KEYS)


@cached_read
def batch_trend(con: Connection, site: str | None = None) -> pd.DataFrame:
    """The snapshots recorded after each import batch, oldest first (one site's when ``site`` is given):
    ``batch_id``, ``as_of``, ``posts``, ``queue_size``, ``stale_posts``, ``stale_share``, mean/median
    scores, ``duplicate_clusters`` …"""
    return trends.batch_trend(con, site)


@cached_read
def corpus_queue_size(con: Connection, policy: Policy, as_of: dt.date) -> int | None:
    """Posts in the review queue, whole corpus (the snapshots' queue sizes are not filtered)."""
    return trends.queue_size(con, policy, as_of)


@cached_read
def posts_count(con: Connection, policy: Policy, filters: dict, as_of: dt.date, drill: dict) -> int:
    """How many posts the filters and a drill-down's extra parameters select."""
    return trends.posts_count(con, policy, filters, as_of, **drill)


@cached_read
def posts_page(con: Connection, policy: Policy, filters: dict, as_of: dt.date, drill: dict,
               limit: int = POSTS_SHOWN) -> pd.DataFrame:
    """The first ``limit`` of those posts by post id, with the columns of the ``posts`` export."""
    return trends.posts_page(con, policy, filters, as_of, limit=limit, **drill)


def table(df: pd.DataFrame, key: str, **kwargs) -> None:
    """A table of this page (``common.show_table``: "—" for missing values, a sentence when empty)."""
    show_table(df, key=key, empty="No rows for these filters.", width="stretch", **kwargs)


def coverage_sites(coverage: pd.DataFrame) -> list[str]:
    """The sites the review coverage can be shown for, in name order."""
    return sorted(coverage["site"].dropna().unique().tolist())


def decisions_total(throughput: pd.DataFrame) -> int:
    """All decisions counted in the throughput frame (0 when it is empty)."""
    return int(throughput["decisions"].sum()) if len(throughput) else 0


# --- headline figures -------------------------------------------------------------------------

def _delta(change: dict, key: str, fmt: str) -> tuple[str | None, str]:
    """``(delta text, arrow)`` for st.metric: no delta without a change; "unchanged" without an
    arrow when the change is zero at the precision shown."""
    value = change.get(key)
    if value is None:
        return None, "auto"
    text = fmt.format(value)
    if not any(ch in "123456789" for ch in text):
        return "unchanged", "off"
    return text, "auto"


def show_headline(scope: Scope, head: dict) -> None:
    """The five headline figures as ``st.metric`` with their change since the previous import batch
    (shown for the unfiltered corpus only; a zero change is "unchanged", without an arrow)."""
    change = trends.change_since_previous_batch(batch_trend(None))
    unfiltered = not any(scope.filters.values())
    shown = change if unfiltered else {}

    def num(x, fmt="{:,.0f}"):
        return NONE if x is None else fmt.format(x)

    def metric(col, label, value, key, fmt, color, help=None):
        delta, arrow = _delta(shown, key, fmt)
        col.metric(label, value, delta, delta_color="off" if arrow == "off" else color, delta_arrow=arrow, help=help)

    if head["posts"] == 0:
        st.info("No posts match these filters." if not unfiltered
                else "The database has no posts yet: import page dumps with `copydesk import PATH`.")
    cols = st.columns(5)
    metric(cols[0], "Posts", num(head["posts"]), "posts", "{:+,.0f}", "off")
    metric(cols[1], "In the review queue", num(head["queue_size"]), "queue_size", "{:+,.0f}", "inverse")
    metric(cols[2], "Stale share", NONE if head["stale_share"] is None else f"{head['stale_share']:.1%}",
           "stale_share", "{:+.1%}", "inverse",
           help="Posts in freshness band stale or never reviewed, under the policy, at the as-of date.")
    metric(cols[3], "Median quality", num(head["median_quality"], "{:.0f}"), "median_quality", "{:+.1f}", "normal")
    metric(cols[4], "Near-duplicate clusters", num(head["duplicate_clusters"]), "duplicate_clusters", "{:+,.0f}",
           "inverse", help="Whole corpus, from the latest duplicate detection run.")
    if change and unfiltered:
        st.caption(f"Changes: snapshot after import batch {change['batch_id']} "
                   f"vs. batch {change['previous_batch_id']}.")
    elif change:
        st.caption(f"Figures for {md_escape(scope.text())}. Changes since the previous import batch are shown "
                   "for the unfiltered corpus only.")


# --- the open queue ---------------------------------------------------------------------------

def queue_outlook(scope: Scope, head: dict) -> tuple[pd.DataFrame, trends.QueueProjection]:
    """The open queue's size over time (whole corpus: import snapshots, then now) and when it clears."""
    now = head["queue_size"] if not any(scope.filters.values()) else corpus_queue_size(scope.policy, scope.as_of)
    history = trends.queue_history(batch_trend(None), now, scope.as_of)
    return history, trends.queue_projection(history, scope.as_of)


def projection_text(p: trends.QueueProjection) -> str:
    """One sentence on when the queue clears (the formula is in ``trends.queue_projection``)."""
    window = trends.PROJECTION_WINDOW_DAYS
    if p.status == "empty":
        return "The queue is empty."
    if p.status == "unknown":
        return ("No projection yet: the queue size is known at one date only (it is recorded at each import and "
                "now); it needs a size recorded on an earlier day.")
    rate = (f"from {p.since_size:,} posts on {p.since:%Y-%m-%d} to {p.queue_size:,} now, "
            f"{abs(p.rate_per_day):,.1f} posts a day {'fewer' if p.rate_per_day > 0 else 'more'}")
    if p.status == "clears":
        return (f"At the recent net rate ({rate}) the queue clears around **{p.clears_on:%Y-%m-%d}**.")
    if p.status == "flat":
        return f"Not at this rate: the queue did not shrink ({p.since_size:,} posts on {p.since:%Y-%m-%d}, " \
               f"{p.queue_size:,} now)."
    return f"Not at this rate: the queue grows ({rate}). Rate measured over the last {window} days, or since " \
           "the latest size before them."


def snapshot_site(scope: Scope) -> str | None:
    """The site the batch snapshots follow: the one selected site, else None (whole corpus)."""
    sites = scope.filters.get("site") or []
    return sites[0] if len(sites) == 1 else None


def snapshot_scope_text(scope: Scope) -> str:
    """What the batch snapshots cover, naming the active filters they do not apply."""
    site = snapshot_site(scope)
    others = {k: v for k, v in scope.filters.items() if not (site and k == "site")}
    ignored = describe_filters(others) if any(others.values()) else None
    what = f"Site {site}" if site else "The whole corpus"
    text = f"{what}, as recorded after each import"
    if ignored:
        text += f" (not applied to snapshots: {ignored}" + ("" if site else "; select a single site to follow it") + ")"
    return text + "."


def batch_change_table(changes: pd.DataFrame) -> pd.DataFrame:
    """``trends.batch_changes`` for reading, newest batch first: each figure as "value (change)"
    ("3,001 (+505)", "72.0 (unchanged)"; the first batch has no change; "—" when unknown)."""
    out = changes[["batch_id"]].rename(columns={"batch_id": "batch"})
    if "as_of" in changes.columns:
        out["as of"] = pd.to_datetime(changes["as_of"]).dt.strftime("%Y-%m-%d")
    for col in trends.BATCH_FIGURES:
        if col not in changes.columns:
            continue
        if col == "stale_share":
            fmt = "{:.1%}"
        elif col.startswith(("mean", "median")):
            fmt = "{:,.1f}"
        else:
            fmt = "{:,.0f}"
        sign = fmt.replace("{:", "{:+")
        cells = []
        for value, change in zip(changes[col], changes[f"{col}_change"]):
            cell = NONE if pd.isna(value) else fmt.format(value)
            if not pd.isna(value) and not pd.isna(change):
                text = sign.format(change)
                cell += " (unchanged)" if not any(ch in "123456789" for ch in text) else f" ({text.replace('-', '−')})"
            cells.append(cell)
        out[charts.MEASURE_LABELS.get(col, col.replace("_", " "))] = cells
    return out


# --- from a chart to the posts behind it, right under the chart -------------------------------

def _set_drill(kind: str, chart_key: str, ctx: dict) -> None:
    """on_select callback: the clicked mark becomes the drill-down shown under ``chart_key``."""
    event = st.session_state.get(chart_key) or {}
    points = (event.get("selection") or {}).get(charts.PICK) or []
    if points:
        drill = trends.drill_from_point(kind, points[0], **ctx)
        if drill:
            st.session_state[DRILL] = {**drill, "source": chart_key}


def pick_chart(chart, key: str, kind: str, scope: Scope, **ctx) -> None:
    """Draw ``chart``; a click on a mark opens its posts right under it (``kind`` and ``ctx``:
    ``trends.drill_from_point``)."""
    st.altair_chart(chart, key=key, on_select=functools.partial(_set_drill, kind, key, ctx),
                    selection_mode=charts.PICK, width="stretch")
    show_drill(key, scope)


def _set_drill_from_row(kind: str, table_key: str, rows: pd.DataFrame, columns: dict) -> None:
    """on_select callback of a table: the selected row becomes the drill-down shown under it."""
    event = st.session_state.get(table_key) or {}
    picked = (event.get("selection") or {}).get("rows") or []
    if picked:
        row = rows.iloc[picked[0]]
        point = {field: row[column] for field, column in columns.items()}
        st.session_state[DRILL] = {**trends.drill_from_point(kind, point), "source": table_key}


def pick_table(df: pd.DataFrame, key: str, kind: str, scope: Scope) -> None:
    """A table whose selected row opens its posts right under it (``kind``: ``batch``, by column ``batch``)."""
    if df.empty:
        st.caption("No rows for these filters.")
        return
    st.dataframe(df, hide_index=True, width="stretch", key=key, placeholder=NONE, selection_mode="single-row",
                 on_select=functools.partial(_set_drill_from_row, kind, key, df, {"batch_id": "batch"}))
    st.caption("Select a row for the posts imported or updated in that batch.")
    show_drill(key, scope)


def pick_key_box(dim: str, keys: list[str], chart_key: str) -> None:
    """The "Show posts for" choice of ``dim``: a choice opens its posts under ``chart_key``."""
    box = f"scores_pick_{dim}"

    def chosen():
        key = st.session_state.get(box)
        if key is not None:
            st.session_state[DRILL] = {**trends.drill_from_point("key", {"key": key}, dim=dim), "source": chart_key}
    st.selectbox(f"Show posts for {dim}", [None, *keys], key=box, on_change=chosen,
                 format_func=lambda k: NONE if k is None else k)


def show_missing_button(score: str, missing: int, chart_key: str) -> None:
    """A button opening the posts without a value of ``score`` (not drawn in the chart) under it."""
    def opened():
        st.session_state[DRILL] = {**trends.drill_from_point("missing", {"score": score}, score=score),
                                   "source": chart_key}
    st.button(f"Show the {missing:,} posts", key=f"scores_missing_{score}", on_click=opened)


def current_drill() -> dict | None:
    """The drill-down chosen on this page (``{"label", "filters", "extra", "source"}``), or None."""
    return st.session_state.get(DRILL)


def clear_drill() -> None:
    """Close the drill-down (and reset the "Show posts for" boxes); a button callback."""
    st.session_state.pop(DRILL, None)
    for dim in DIMENSIONS:
        if f"scores_pick_{dim}" in st.session_state:
            st.session_state[f"scores_pick_{dim}"] = None


def show_drill(source: str, scope: Scope) -> None:
    """The posts behind the drill-down, if it came from ``source``: what was clicked and every filter,
    the count, the first posts and a download of all of them."""
    drill = current_drill()
    if not drill or drill.get("source") != source:
        return
    filters, extra = trends.apply_drill(scope.filters, drill)
    total = posts_count(scope.policy, filters, scope.as_of, extra)
    with st.container(border=True, key=f"scores_drill_box_{source}"):
        c1, c2 = st.columns([5, 1])
        c1.markdown(f"**Posts behind the selection:** {md_escape(drill['label'])}",
                    help="Click another mark to change it; double-click the chart or Clear to close.")
        c2.button("Clear selection", key="scores_clear_drill", on_click=clear_drill)
        sidebar = describe_filters(filters) if any(filters.values()) else "no other filter"
        st.caption(f"{total:,} posts · {md_escape(drill['label'])} · {md_escape(sidebar)} · as of "
                   f"{md_escape(f'{scope.as_of:%Y-%m-%d}')}; showing the first {min(total, POSTS_SHOWN):,} by post id.")
        shown = posts_page(scope.policy, filters, scope.as_of, extra)
        table(shown, key="scores_drill_table", column_config={"stack": st.column_config.ListColumn("stack"),
                                                              "warnings": st.column_config.ListColumn("warnings")})
        export_download("posts", {**filters, "as_of": scope.as_of}, rows=total, key="scores_csv_drill", **extra)
