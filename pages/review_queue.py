"""Review queue: which posts need a human now, and why; today's list, open one, decide, next."""

import math

import streamlit as st

from copydesk.app import common, review
from copydesk.app import quality as quality_card
from copydesk.app.filters import filter_options, shared_filters
from copydesk.domain import BANDS, REASONS, SORTS, STATES

st.title("Review queue")
if not common.require_db():
    st.stop()

policy = common.policy()
shared = shared_filters()                  # sidebar: site, stack, status, reviewed range, as-of (in the URL)
as_of = shared.pop("as_of")
review.controls()                          # reason, band, state, search, sort, opened post: in the URL too
common.show_policy(policy)

with st.sidebar:
    name = common.reviewer_box("review")   # asked once per browser session, for every page

# --- Today ---------------------------------------------------------------------------------
today = review.show_today(policy, as_of, shared)
review.show_flash()

# --- queue filters ------------------------------------------------------------------------
options = filter_options()
cols = st.columns([3, 2, 2, 2, 2])
reason = cols[0].multiselect("Reason", list(REASONS), format_func=lambda c: REASONS[c],
                             key="review_reason", placeholder="Any reason")
band = cols[1].multiselect("Freshness band", list(BANDS), key="review_band", placeholder="Any band")
difficulty = cols[2].multiselect("Difficulty", options.get("difficulty", []), key="review_difficulty",
                                 placeholder="Any difficulty")
assignee = cols[3].multiselect("Assignee", review.assignees(), key="review_assignee", placeholder="Anyone")
state = cols[4].selectbox("Show", STATES, key="review_state",
                          format_func={"open": "open (needs a human)", "decided": "decided",
                                       "all": "open + decided"}.get)
cols = st.columns([4, 2, 1, 1])
search = cols[0].text_input("Search post id or title", key="review_search")
sort_label = cols[1].selectbox("Sort by", list(SORTS), key="review_sort")
direction = cols[2].selectbox("Order", ["DESC", "ASC"], key="review_direction")
page_size = cols[3].selectbox("Rows", [25, 50, 100, 200], index=1, key="review_page_size")

filters = {**shared, "reason": reason, "band": band, "difficulty": difficulty, "assignee": assignee,
           "state": state, "search": search}
page = int(st.session_state.get("review_page", 1))
rows, total = review.queue_view(policy, as_of, filters, SORTS[sort_label], direction,
                                page_size, (page - 1) * page_size)
pages = max(1, math.ceil(total / page_size))
if page > pages:                      # the filters shrank the queue: show its last page
    st.session_state["review_page"] = pages
    st.rerun()

head = st.columns([3, 1, 2, 2])
head[0].metric("Posts in this view", f"{total:,}", help=f"as of {as_of.isoformat()}")
head[1].number_input("Page", min_value=1, max_value=pages, step=1, key="review_page")
with head[2]:
    common.csv_button("Queue (CSV, all rows)", review.queue_csv(policy, as_of, filters),
                      file_name=f"review-queue-{as_of.isoformat()}.csv", key="review_download_queue",
                      icon=":material/download:")
with head[3]:
    common.csv_button("Decision log (CSV)", review.decisions_csv(), file_name="review-decisions.csv",
                      key="review_download_decisions", icon=":material/download:")

st.caption(f"Page {page} of {pages} · {common.md_escape(common.describe_filters(filters))} · "
           "priority = Σ reason severities (queue reasons and signals) + staleness + impact (see the policy)")

page_ids = rows["post_id"].tolist()
table = st.dataframe(
    rows[review.TABLE_COLUMNS], hide_index=True, width="stretch", key=review.table_key(page_ids),
    on_select="rerun", selection_mode="multi-row", placeholder="—",
    column_config={
        "post_id": st.column_config.TextColumn("post"),
        "main_reason": st.column_config.TextColumn("main reason"),
        "reasons": st.column_config.ListColumn("reasons", width="large"),
        "review_age_days": st.column_config.NumberColumn("age (days)"),
        "effective_last_reviewed": st.column_config.DateColumn("last reviewed"),
        "computed_freshness": st.column_config.ProgressColumn("freshness", min_value=0, max_value=100, format="%d"),
        "view_count": st.column_config.NumberColumn("views", format="localized"),
    },
)
review.follow_selection([page_ids[i] for i in (table.selection.rows if table is not None else [])
                         if i < len(page_ids)])

# --- triage -----------------------------------------------------------------------------
st.divider()
left, right = st.columns([3, 2])
with left:
    open_options = list(page_ids)
    current = st.session_state.get("review_open")
    if current and current not in open_options:
        open_options.insert(0, current)
    opened = st.selectbox("Open post", open_options, index=None, key="review_open",
                          placeholder="Pick a post (or select rows in the table, or press Next)")
    post = None
    if opened:
        detail = review.post_detail(opened)
        post = detail.post
        if post is None:
            st.warning("That post is no longer in the database.")
        else:
            review.show_post(post, review.queue_row(policy, as_of, opened))
            review.duplicate_link(opened, detail.duplicates)
            tabs = st.tabs(["Metadata & scores", "Duplicates", "History", "Quality"])
            with tabs[0]:
                st.dataframe(review.metadata_frame(post), hide_index=True, width="stretch")
            with tabs[1]:
                common.show_table(detail.duplicates, key="review_post_duplicates", width="stretch",
                                  empty="No near-duplicates recorded.")
            with tabs[2]:
                common.show_table(detail.history, key="review_post_history", width="stretch",
                                  empty="No decisions yet.")
            with tabs[3]:
                quality_card.show_card(post, policy)

with right:
    st.subheader("Decision")
    review.decision_panel(name, opened, page_ids, dict(zip(rows["post_id"], rows["source_sha256"])), as_of)

if st.toggle("Count posts per reason in this view (queue reasons and signals)", key="review_show_reason_counts"):
    common.show_table(review.reason_counts(policy, as_of, filters), key="review_reason_counts",
                      empty="No post in this view.")
