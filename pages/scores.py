"""Scores & trends: are we keeping up with reviews, is quality better or worse, and how scores and
review ages are distributed.

Every figure is aggregated in DuckDB (copydesk.trends); a click on a chart (or the "Show posts
for" pickers) opens the posts behind it right under that chart.
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
scope = scores.Scope.of(policy, filters)
esc = common.md_escape

st.caption(f"Filters: {esc(scope.text())} · policy: {esc(policy.source)}")

figures = scores.page_figures(policy, scope.filters, scope.as_of)
head = figures.headline
scores.show_headline(scope, head)

# --- are we keeping up? ---------------------------------------------------------------------------
st.header("Are we keeping up?")
st.subheader("Review coverage, month by month")
coverage = figures.coverage
if coverage.empty:
    st.info("No review tables in this database.")
else:
    site = st.selectbox("Coverage of", [None, *scores.coverage_sites(coverage)], key="scores_coverage_site",
                        format_func=lambda s: "all sites" if s is None else s)
    st.altair_chart(charts.review_coverage(coverage, site), key="scores_chart_coverage", width="stretch")
    st.caption(
        f"{esc(scope.text())}{'' if site is None else ' · site ' + esc(site)}. At each month end a post's band "
        f"comes from its latest known review on or before that date (fresh < {policy.aging_after_days} d ≤ aging "
        f"≤ {policy.stale_after_days} d < stale, per-site/stack overrides applied). Known reviews: the last-reviewed "
        "date of every imported revision and every approve / needs-edits decision. **unknown**: the post's first "
        "known review is later (an earlier one was not recorded, or the post did not exist yet); **never**: no "
        "review known at all.")
    with st.expander(f"Table: review coverage ({len(coverage):,} rows)"):
        scores.table(coverage, key="scores_table_coverage")
        common.export_download("review-coverage", scope.export_filters(), rows=len(coverage),
                               key="scores_csv_coverage")

st.subheader("Review throughput and the open queue")
t1, t2 = st.columns(2)
with t1:
    throughput = figures.throughput
    decided = scores.decisions_total(throughput)
    if decided:
        st.altair_chart(charts.review_throughput(throughput), key="scores_chart_throughput", width="stretch")
    else:
        st.info(f"No review decisions in the last {scores.THROUGHPUT_WEEKS} weeks on these posts.")
    st.caption(f"{decided:,} decisions in the last {scores.THROUGHPUT_WEEKS} weeks on {esc(scope.text())} "
               "(the decision log, by the week they were made, UTC).")
with t2:
    history, projection = scores.queue_outlook(scope, head)
    if history.empty:
        st.info("The review queue is not available in this database.")
    else:
        st.altair_chart(charts.queue_trend(history, projection.clears_on), key="scores_chart_queue", width="stretch")
        st.markdown(scores.projection_text(projection))
        st.caption("Whole corpus (the sizes recorded at each import are not filtered; the sidebar filters do not "
                   f"apply here). Rate = (size then − size now) / days, from the earliest size recorded in the last "
                   f"{scores.PROJECTION_WINDOW_DAYS} days, or else the latest before them; clears on "
                   "now + size / rate.")
with st.expander("Tables: decisions per week, queue sizes"):
    scores.table(throughput, key="scores_table_throughput")
    if not throughput.empty:
        common.export_download("review-throughput", scope.export_filters(), rows=len(throughput),
                               key="scores_csv_throughput")
    scores.table(history, key="scores_table_queue")
    if not history.empty:
        common.csv_button("Queue sizes (CSV)", common.frame_csv(history), file_name="queue-sizes.csv",
                          key="scores_csv_queue")

# --- is quality better or worse? ------------------------------------------------------------------
st.header("Is quality better or worse?")
st.subheader("Figures across import batches")
batches = scores.batch_trend(scores.snapshot_site(scope))
if batches.empty:
    st.info("No import batch snapshots yet: they are recorded at the end of every import.")
else:
    st.caption(esc(scores.snapshot_scope_text(scope)))
    changes = scores.batch_changes(batches)
    scores.pick_table(scores.batch_change_table(changes), "scores_table_batches", "batch", scope)
    common.csv_button("Figures across import batches (CSV)", common.frame_csv(changes),
                      file_name="batch-changes.csv", key="scores_csv_batch_changes")

st.subheader("Quality by time since the last review")
st.caption(f"{esc(scope.text())}. Quality bands (policy): good ≥ {policy.good('quality')}, watch "
           f"{policy.watch('quality')}–{policy.good('quality') - 1}, poor < {policy.watch('quality')}. "
           "Click a segment for its posts.")
scores.pick_chart(charts.quality_by_review_age(figures.quality_by_age), "scores_chart_quality_age", "age", scope,
                  good=policy.good("quality"), watch=policy.watch("quality"))
common.export_download("quality-by-review-age", scope.export_filters(), rows=len(figures.quality_by_age),
                       key="scores_csv_quality_age", label="Download this table (CSV)")

st.subheader("Time since the last review, by site and stack")
age_dim = st.segmented_control("Group by", ["site", "stack"], default="site", key="scores_age_dim") or "site"
age = scores.review_age_by(figures, scope, age_dim)
if age.empty:
    st.info("No posts match these filters.")
else:
    st.caption(f"{esc(scope.text())}. The {scores.MAX_KEYS} largest groups. Click a segment for its posts.")
    scores.pick_chart(charts.review_age_bars(age, age_dim, aging_after_days=policy.aging_after_days,
                                             stale_after_days=policy.stale_after_days),
                      f"scores_chart_age_{age_dim}", "age", scope, dim=age_dim)
    common.export_download(f"review-age-by-{age_dim}", scope.export_filters(), rows=len(age),
                           key=f"scores_csv_age_{age_dim}", label="Download this table (CSV)")

# --- distributions --------------------------------------------------------------------------------
st.header("Distributions")
st.subheader("Score distributions")
score = st.segmented_control("Score", list(charts.SCORE_LABELS), format_func=charts.SCORE_LABELS.get,
                             default="quality", key="scores_dist_score") or "quality"
metric = "freshness" if score == "computed_freshness" else score
dist = figures.distribution
missing = charts.missing_count(dist, score)
st.caption(f"{esc(scope.text())}. Bands (policy): good ≥ {policy.good(metric)}, watch {policy.watch(metric)}–"
           f"{policy.good(metric) - 1}, poor < {policy.watch(metric)}. Click a bar for its posts.")
scores.pick_chart(charts.score_distribution(dist, score, good=policy.good(metric), watch=policy.watch(metric)),
                  "scores_chart_dist", "bucket", scope, score=score)
if missing:
    m1, m2 = st.columns([4, 1])
    m1.markdown(f"**{missing:,} posts have no {esc(charts.SCORE_LABELS[score].lower())} score**"
                + (" (never reviewed)" if score == "computed_freshness" else "")
                + ": counted here, not drawn in any bucket.")
    with m2:
        scores.show_missing_button(score, missing, "scores_chart_dist")
common.export_download("score-distribution", scope.export_filters(), rows=len(dist), key="scores_csv_dist",
                       label="Download this table (CSV)")

st.subheader("Scores by site, stack, difficulty and status")
c1, c2, c3 = st.columns(3)
dim = c1.segmented_control("Break down by", list(scores.DIMENSIONS), default="site", key="scores_dim") or "site"
measure = c2.selectbox("Measure", list(scores.MEASURES), format_func=lambda m: charts.MEASURE_LABELS.get(m, m),
                       key="scores_measure")
breakdown = scores.breakdown(figures, scope, dim)
with c3:
    scores.pick_key_box(dim, breakdown["key"].tolist(), "scores_chart_breakdown")
measure_metric = charts.MEASURE_METRIC.get(measure, "quality")
st.caption(f"{esc(scope.text())}. Colours: the policy's score bands for scores, a fixed 0–100 % scale for the "
           "stale share.")
scores.pick_chart(charts.breakdown_bars(breakdown, dim, measure, good=policy.good(measure_metric),
                                        watch=policy.watch(measure_metric)),
                  "scores_chart_breakdown", "key", scope, dim=dim)
with st.expander(f"Table: scores by {dim} ({len(breakdown):,} rows)"):
    scores.table(breakdown, key=f"scores_table_breakdown_{dim}")
    common.export_download(f"scores-by-{dim}", scope.export_filters(), rows=len(breakdown),
                           key=f"scores_csv_breakdown_{dim}")

st.subheader("Staleness by stack")
heat = figures.heatmap
if heat.empty:
    st.info("No posts match these filters.")
else:
    st.caption(f"{esc(scope.text())}. The {scores.MAX_KEYS} largest stacks, the largest stale share on top; "
               "each cell: posts · share of the stack. Click a cell for its posts.")
    scores.pick_chart(charts.staleness_heatmap(heat), "scores_chart_heat", "cell", scope)
    common.export_download("staleness-by-stack", scope.export_filters(), key="scores_csv_heat",
                           label="Download this table (CSV)")

# --- all filtered posts ---------------------------------------------------------------------------
st.header("All filtered posts")
st.caption(f"{int(head['posts']):,} posts ({esc(scope.text())}). Click a chart above for the posts behind a mark; "
           "the Review queue lists the posts that need a human.")
common.export_download("posts", scope.export_filters(), rows=int(head["posts"]), key="scores_csv_posts")
