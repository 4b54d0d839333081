"""Scores & trends: headline figures, score distributions, breakdowns, trends, staleness by stack.

Every figure is aggregated in DuckDB (copydesk.trends); a click on a chart (or the
"Show posts for" pickers) opens the posts behind it in the table at the bottom.
"""

import streamlit as st

from copydesk import charts
from copydesk.app import common, scores
from copydesk.app.filters import shared_filters

st.title("Scores & trends")
if not common.require_db():
    st.stop()

policy = common.policy()
filters = shared_filters()
as_of = filters.pop("as_of")

st.caption(f"{common.md_escape(common.describe_filters(filters))} · as of {as_of:%Y-%m-%d} · "
           f"policy: {common.md_escape(policy.source)}")

# --- headline figures -----------------------------------------------------------------------------
figures = scores.page_figures(policy, filters, as_of)
head = figures.headline
scores.show_headline(filters, head)

# --- distributions --------------------------------------------------------------------------------
st.subheader("Score distributions")
score = st.segmented_control("Score", list(charts.SCORE_LABELS), format_func=charts.SCORE_LABELS.get,
                             default="quality", key="scores_dist_score") or "quality"
metric = "freshness" if score == "computed_freshness" else score
dist = figures.distribution
st.caption(f"Bands (policy): good ≥ {policy.good(metric)}, watch {policy.watch(metric)}–{policy.good(metric) - 1}, "
           f"poor < {policy.watch(metric)}. Click a bar for its posts.")
scores.pick_chart(charts.score_distribution(dist, score, good=policy.good(metric), watch=policy.watch(metric)),
                  "scores_chart_dist", "bucket", score=score)

# --- breakdowns -----------------------------------------------------------------------------------
st.subheader("Scores by site, stack, difficulty and status")
c1, c2 = st.columns(2)
dim = c1.segmented_control("Break down by", list(scores.DIMENSIONS), default="site", key="scores_dim") or "site"
measure = c2.selectbox("Measure", list(scores.MEASURES), format_func=lambda m: charts.MEASURE_LABELS.get(m, m),
                       key="scores_measure")
breakdown = scores.breakdown(policy, filters, as_of, dim)
scores.pick_chart(charts.breakdown_bars(breakdown, dim, measure), "scores_chart_breakdown", "key", dim=dim)
keys = breakdown["key"].tolist()
pick = st.selectbox(f"Show posts for {dim}", [None, *keys], key=f"scores_pick_{dim}",
                    format_func=lambda k: "—" if k is None else k)
scores.pick_key(dim, pick)
with st.expander(f"Table: scores by {dim} ({len(breakdown):,} rows)"):
    st.dataframe(breakdown, hide_index=True, width="stretch")
    common.export_download(f"scores-by-{dim}", {**filters, "as_of": as_of}, rows=len(breakdown),
                           key=f"scores_csv_breakdown_{dim}")

# --- trends ---------------------------------------------------------------------------------------
st.subheader("Trends")
by_month = figures.by_month
if by_month.empty:
    st.info("No reviewed posts match these filters.")
else:
    scores.pick_chart(charts.monthly_trend(by_month), "scores_chart_month", "month")
    with st.expander(f"Table: scores by month of last review ({len(by_month):,} rows)"):
        st.dataframe(by_month, hide_index=True, width="stretch")
        common.export_download("scores-by-month", {**filters, "as_of": as_of}, rows=len(by_month),
                               key="scores_csv_month")

site_filter = filters.get("site") or []
batches = scores.batch_trend(site_filter[0] if len(site_filter) == 1 else None)
if batches.empty:
    st.info("No import batch snapshots yet: they are recorded at the end of every import.")
else:
    if len(site_filter) == 1:
        st.caption(f"Across import batches: site {common.md_escape(site_filter[0])} "
                   "(other filters do not apply to snapshots).")
    else:
        st.caption("Across import batches: the whole corpus, as recorded after each import"
                   + (" (select a single site to follow one site)." if any(filters.values()) else "."))
    b1, b2 = st.columns(2)
    with b1:
        scores.pick_chart(charts.batch_trend(batches, ["mean_quality", "median_quality", "mean_computed_freshness"],
                                             title="Quality and freshness per import"),
                          "scores_chart_batch_scores", "batch")
    with b2:
        scores.pick_chart(charts.batch_trend(batches, ["posts", "queue_size", "stale_posts", "duplicate_clusters"],
                                             title="Corpus, queue and stale posts per import"),
                          "scores_chart_batch_counts", "batch")
    with st.expander(f"Table: import batch snapshots ({len(batches):,} rows)"):
        st.dataframe(batches, hide_index=True, width="stretch")
        common.export_download("batch-metrics", {**filters, "as_of": as_of}, rows=len(batches),
                               key="scores_csv_batches")

# --- staleness by stack ---------------------------------------------------------------------------
st.subheader("Staleness by stack")
heat = figures.heatmap
if heat.empty:
    st.info("No posts match these filters.")
else:
    st.caption("Stacks with the largest stale share on top (25 largest stacks). Click a cell for its posts.")
    scores.pick_chart(charts.staleness_heatmap(heat), "scores_chart_heat", "cell")
    with st.expander(f"Table: staleness by stack ({len(heat):,} rows)"):
        st.dataframe(heat, hide_index=True, width="stretch")
        common.export_download("staleness-by-stack", {**filters, "as_of": as_of}, key="scores_csv_heat")

# --- the posts behind the selection ---------------------------------------------------------------
st.subheader("Posts")
drill = scores.current_drill()
post_filters, extra = scores.drilled(filters, drill)
if drill:
    c1, c2 = st.columns([4, 1])
    c1.markdown(f"Posts behind the selection: **{common.md_escape(drill['label'])}**",
                help="Click another bar, point or cell to change it.")
    if c2.button("Clear selection", key="scores_clear_drill"):
        scores.clear_drill()
        st.rerun()
else:
    st.caption("All filtered posts. Click a bar, point or cell above to see the posts behind it.")
total = scores.posts_count(policy, post_filters, as_of, extra) if drill else int(head["posts"])
shown = scores.posts_page(policy, post_filters, as_of, extra)
st.caption(f"{total:,} posts ({common.md_escape(common.describe_filters(post_filters))}); "
           f"showing the first {min(total, scores.POSTS_SHOWN):,} by post id.")
st.dataframe(shown, hide_index=True, width="stretch", key="scores_posts_table",
             column_config={"stack": st.column_config.ListColumn("stack"),
                            "warnings": st.column_config.ListColumn("warnings")})
common.export_download("posts", {**post_filters, "as_of": as_of}, rows=total, key="scores_csv_posts", **extra)
