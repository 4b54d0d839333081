"""Quality: copydesk's own judgement of each post against the recorded quality; what lowers it, where,
the boilerplate of the corpus, and how it moves across imports."""

import streamlit as st

from copydesk.app import common
from copydesk.app import quality as q
from copydesk.app.filters import shared_filters


st.title("Quality")
if not common.require_db():
    st.stop()

policy = common.policy()
filters = shared_filters()
as_of = filters.pop("as_of")
scope_text = f"{common.describe_filters(filters)} · as of {as_of:%Y-%m-%d}"
st.caption(f"Filters: {q.esc(scope_text)} · policy: {q.esc(policy.source)}")

figures = q.page_figures(policy, filters, as_of)
cols = st.columns(6)
for col, (label, value, help_text) in zip(cols, q.headline_text(figures.headline, policy)):
    col.metric(label, value, help=help_text)

# --- computed vs recorded -------------------------------------------------------------------------
st.header("Computed vs recorded quality")
left, right = st.columns(2)
with left:
    st.subheader("Distribution")
    st.altair_chart(q.charts.quality_distribution(figures.distribution), key="quality_chart_distribution",
                    width="stretch")
    st.caption("Posts per 10-point bucket: computed = copydesk's weighted sub-scores; recorded = the page "
               "dump's score block.")
with right:
    st.subheader("Each post")
    event = st.altair_chart(q.charts.quality_scatter(figures.points, policy.quality.disagreement_margin),
                            key="quality_chart_scatter", on_select="rerun", selection_mode=q.charts.PICK_POST,
                            width="stretch")
    st.caption(f"{len(figures.points):,} posts drawn: every post whose recorded and computed quality are "
               f"{policy.quality.disagreement_margin} or more apart (red; largest gaps first), then an even "
               f"sample of the others, {q.MAX_POINTS:,} at most; a post without a recorded quality has no point. "
               "Click a point to open the post.")
picked = q.picked_post(event)
if picked:
    q.review_link(picked, key="quality_open_post")
common.export_download("quality", {**filters, "as_of": as_of}, key="quality_csv_all",
                       label="Download every post's computed quality (CSV)")

# --- findings -------------------------------------------------------------------------------------
st.header("Findings")
if q.table(figures.findings, key="quality_table_findings", empty="No findings for these posts."):
    code = st.selectbox("Show posts with the finding", [None, *figures.findings["code"]], key="quality_finding",
                        format_func=lambda c: "—" if c is None else q.FINDING_LABELS.get(c, c))
    if code:
        q.table(q.finding_posts(policy, filters, as_of, code), key=f"quality_table_finding_{code}",
                column_config={"findings": st.column_config.ListColumn("findings", width="large")})
        st.caption(f"The first {q.POSTS_SHOWN} posts by id; the CSV has them all.")
        common.export_download("quality", {**filters, "as_of": as_of}, key=f"quality_csv_finding_{code}",
                               label="Download these posts (CSV)", finding=code,
                               file_name=f"quality-{code}-{as_of.isoformat()}.csv")

# --- sub-scores by site / stack ---------------------------------------------------------------------
st.header("Sub-scores by site and stack")
dim = st.segmented_control("Group by", ["site", "stack"], default="site", key="quality_dim") or "site"
breakdown = figures.by_site if dim == "site" else q.breakdown_by_stack(policy, filters, as_of)
if breakdown.empty:
    st.info("No scored posts match these filters.")
else:
    st.altair_chart(q.charts.sub_score_heatmap(breakdown, dim), key=f"quality_chart_breakdown_{dim}", width="stretch")
    st.caption(f"Mean of each sub-score (0–100), the {q.MAX_KEYS} largest groups. Weights: " + ", ".join(
        f"{name} {w:g}" for name, w in policy.quality.weights.items()))
    with st.expander(f"Table ({len(breakdown):,} rows)"):
        q.table(breakdown, key=f"quality_table_breakdown_{dim}")
        common.csv_button("This table (CSV)", common.frame_csv(breakdown), file_name=f"quality-by-{dim}.csv",
                          key=f"quality_csv_breakdown_{dim}")

# --- template sentences ---------------------------------------------------------------------------
st.header("Template sentences of the corpus")
sentences, total = q.template_sentences()
st.caption(f"{total:,} sentences (lower case, spaces collapsed) are each held by more than "
           f"{policy.quality.template_min_posts} current posts; the {min(total, q.TEMPLATE_SHOWN):,} most widespread "
           "(whole corpus, not filtered).")
q.table(sentences, key="quality_table_templates", empty="No template sentences.",
        column_config={"sentence": st.column_config.TextColumn("sentence", width="large")})
if total:
    common.export_download("template-sentences", {"as_of": as_of}, key="quality_csv_templates",
                           label=f"Download all {total:,} template sentences (CSV)")

# --- across imports -------------------------------------------------------------------------------
st.header("Across import batches")
site = q.snapshot_site(filters)
trend = q.batch_trend(site)
if trend.empty:
    st.info("No computed-quality snapshots yet: they are recorded after every import.")
else:
    st.altair_chart(q.charts.quality_trend(trend), key="quality_chart_trend", width="stretch")
    st.caption(("Whole corpus" if site is None else f"Site {q.esc(site)}") + ": figures recorded after each import.")
    q.table(trend, key="quality_table_trend")
