"""Scores & trends: headline figures, score distributions, breakdowns, trends, staleness by stack.

Every figure is aggregated in DuckDB (copydesk.trends); a click on a chart (or the
"Show posts for" pickers) opens the posts behind it in the table at the bottom.
"""

import functools

import streamlit as st

from copydesk import charts, trends, ui

st.title("Scores & trends")
if not ui.require_db():
    st.stop()

try:
    policy = ui.policy()
except ValueError as exc:            # freshness.PolicyError
    st.error(f"The policy file is invalid: {exc}")
    st.stop()
filters = ui.shared_filters()
as_of = filters.pop("as_of")
DRILL = "scores_drill"


def _set_drill(kind: str, chart_key: str, **ctx) -> None:
    """on_select callback: the clicked mark becomes the drill-down shown below."""
    event = st.session_state.get(chart_key) or {}
    points = (event.get("selection") or {}).get(charts.PICK) or []
    if points:
        st.session_state[DRILL] = trends.drill_from_point(kind, points[0], **ctx)


def _pick_chart(chart, key: str, kind: str, **ctx) -> None:
    st.altair_chart(chart, key=key, on_select=functools.partial(_set_drill, kind, key, **ctx),
                    selection_mode=charts.PICK, width="stretch")


st.caption(f"{ui.md_escape(ui.describe_filters(filters))} · as of {as_of:%Y-%m-%d} · "
           f"policy: {ui.md_escape(policy.source)}")

# --- headline figures -----------------------------------------------------------------------------
figures = ui.trend("page-figures", filters, as_of)
head = figures["headline"]
ui.headline_metrics(filters, as_of, head)

# --- distributions --------------------------------------------------------------------------------
st.subheader("Score distributions")
score = st.segmented_control("Score", list(charts.SCORE_LABELS), format_func=charts.SCORE_LABELS.get,
                             default="quality", key="scores_dist_score") or "quality"
metric = "freshness" if score == "computed_freshness" else score
dist = figures["distribution"]
st.caption(f"Bands (policy): good ≥ {policy.good(metric)}, watch {policy.watch(metric)}–{policy.good(metric) - 1}, "
           f"poor < {policy.watch(metric)}. Click a bar for its posts.")
_pick_chart(charts.score_distribution(dist, score, good=policy.good(metric), watch=policy.watch(metric)),
            "scores_chart_dist", "bucket", score=score)

# --- breakdowns -----------------------------------------------------------------------------------
st.subheader("Scores by site, stack, difficulty and status")
c1, c2 = st.columns(2)
dim = c1.segmented_control("Break down by", list(trends.DIMENSIONS), default="site", key="scores_dim") or "site"
measure = c2.selectbox("Measure", ["mean_quality", "mean_computed_freshness", "mean_depth", "mean_clarity",
                                   "mean_freshness", "median_quality", "stale_share", "posts"],
                       format_func=lambda m: charts.MEASURE_LABELS.get(m, m), key="scores_measure")
breakdown = ui.trend("trends/breakdown", filters, as_of, dim=dim)
_pick_chart(charts.breakdown_bars(breakdown, dim, measure), "scores_chart_breakdown", "key", dim=dim)
keys = breakdown["key"].tolist()
pick = st.selectbox(f"Show posts for {dim}", [None, *keys], key=f"scores_pick_{dim}",
                    format_func=lambda k: "—" if k is None else k)
if pick is not None and st.session_state.get(f"scores_pick_{dim}_done") != pick:
    st.session_state[f"scores_pick_{dim}_done"] = pick
    st.session_state[DRILL] = trends.drill_from_point("key", {"key": pick}, dim=dim)
with st.expander(f"Table: scores by {dim} ({len(breakdown):,} rows)"):
    st.dataframe(breakdown, hide_index=True, width="stretch")
    ui.csv_download(f"scores-by-{dim}", {**filters, "as_of": as_of}, rows=len(breakdown),
                    key=f"scores_csv_breakdown_{dim}")

# --- trends ---------------------------------------------------------------------------------------
st.subheader("Trends")
by_month = figures["by_month"]
if by_month.empty:
    st.info("No reviewed posts match these filters.")
else:
    _pick_chart(charts.monthly_trend(by_month), "scores_chart_month", "month")
    with st.expander(f"Table: scores by month of last review ({len(by_month):,} rows)"):
        st.dataframe(by_month, hide_index=True, width="stretch")
        ui.csv_download("scores-by-month", {**filters, "as_of": as_of}, rows=len(by_month),
                        key="scores_csv_month")

site_filter = filters.get("site") or []
batches = ui.trend("batch-trend", None, as_of, site=site_filter[0] if len(site_filter) == 1 else None)
if batches.empty:
    st.info("No import batch snapshots yet: they are recorded at the end of every import.")
else:
    if len(site_filter) == 1:
        st.caption(f"Across import batches: site {ui.md_escape(site_filter[0])} "
                   "(other filters do not apply to snapshots).")
    else:
        st.caption("Across import batches: the whole corpus, as recorded after each import"
                   + (" (select a single site to follow one site)." if any(filters.values()) else "."))
    b1, b2 = st.columns(2)
    with b1:
        _pick_chart(charts.batch_trend(batches, ["mean_quality", "median_quality", "mean_computed_freshness"],
                                       title="Quality and freshness per import"), "scores_chart_batch_scores", "batch")
    with b2:
        _pick_chart(charts.batch_trend(batches, ["posts", "queue_size", "stale_posts", "duplicate_clusters"],
                                       title="Corpus, queue and stale posts per import"),
                    "scores_chart_batch_counts", "batch")
    with st.expander(f"Table: import batch snapshots ({len(batches):,} rows)"):
        st.dataframe(batches, hide_index=True, width="stretch")
        ui.csv_download("batch-metrics", {**filters, "as_of": as_of}, rows=len(batches), key="scores_csv_batches")

# --- staleness by stack ---------------------------------------------------------------------------
st.subheader("Staleness by stack")
heat = figures["heatmap"]
if heat.empty:
    st.info("No posts match these filters.")
else:
    st.caption("Stacks with the largest stale share on top (25 largest stacks). Click a cell for its posts.")
    _pick_chart(charts.staleness_heatmap(heat), "scores_chart_heat", "cell")
    with st.expander(f"Table: staleness by stack ({len(heat):,} rows)"):
        st.dataframe(heat, hide_index=True, width="stretch")
        ui.csv_download("staleness-by-stack", {**filters, "as_of": as_of}, key="scores_csv_heat")

# --- the posts behind the selection ---------------------------------------------------------------
st.subheader("Posts")
drill = st.session_state.get(DRILL)
post_filters, extra = trends.apply_drill(filters, drill)
if drill:
    c1, c2 = st.columns([4, 1])
    c1.markdown(f"Posts behind the selection: **{ui.md_escape(drill['label'])}**",
                help="Click another bar, point or cell to change it.")
    if c2.button("Clear selection", key="scores_clear_drill"):
        st.session_state.pop(DRILL, None)
        st.rerun()
else:
    st.caption("All filtered posts. Click a bar, point or cell above to see the posts behind it.")
total = ui.trend("posts-count", post_filters, as_of, **extra) if drill else int(head["posts"])
shown = ui.trend("posts-page", post_filters, as_of, **extra, limit=200)
st.caption(f"{total:,} posts ({ui.md_escape(ui.describe_filters(post_filters))}); "
           f"showing the first {min(total, 200):,} by post id.")
st.dataframe(shown, hide_index=True, width="stretch", key="scores_posts_table",
             column_config={"stack": st.column_config.ListColumn("stack"),
                            "warnings": st.column_config.ListColumn("warnings")})
ui.csv_download("posts", {**post_filters, "as_of": as_of}, rows=total, key="scores_csv_posts", **extra)
