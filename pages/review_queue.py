"""Review queue: which posts need a human now, and why; open one, decide, move on."""

import datetime as dt
import math

import streamlit as st

from copydesk.app import common, review
from copydesk.app import quality as quality_card
from copydesk.app.filters import filter_options, shared_filters
from copydesk.domain import BANDS, DECISIONS, REASONS, SORTS, STATES
from copydesk.errors import CopydeskError

st.title("Review queue")
if not common.require_db():
    st.stop()

policy = common.policy()
shared = shared_filters()                  # sidebar: site, stack, status, reviewed range, as-of (in the URL)
as_of = shared.pop("as_of")
common.show_policy(policy)

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
           "priority = Σ reason severities + staleness + impact (see the policy)")

page_ids = rows["post_id"].tolist()
table = st.dataframe(
    rows[review.TABLE_COLUMNS], hide_index=True, width="stretch", key=review.table_key(page_ids),
    on_select="rerun", selection_mode="multi-row",
    column_config={
        "post_id": st.column_config.TextColumn("post"),
        "reasons": st.column_config.ListColumn("reasons", width="large"),
        "review_age_days": st.column_config.NumberColumn("age (days)"),
        "computed_freshness": st.column_config.ProgressColumn("freshness", min_value=0, max_value=100, format="%d"),
        "view_count": st.column_config.NumberColumn("views", format="localized"),
    },
)

hashes = dict(zip(rows["post_id"], rows["source_sha256"]))
picked = [page_ids[i] for i in (table.selection.rows if table is not None else []) if i < len(page_ids)]
if picked != st.session_state.get("review_table_last"):
    st.session_state["review_table_last"] = picked
    st.session_state["review_selected"] = picked
    if picked:
        st.session_state["review_open"] = picked[0]

# --- triage -----------------------------------------------------------------------------
st.divider()
left, right = st.columns([3, 2])
with left:
    open_options = list(page_ids)
    quality_card.open_from_url("review_open")          # ?post=ID (the Quality page's links) opens that post
    current = st.session_state.get("review_open")
    if current and current not in open_options:
        open_options.insert(0, current)
    opened = st.selectbox("Open post", open_options, index=None, key="review_open",
                          placeholder="Pick a post (or select rows in the table)")
    post = None
    if opened:
        detail = review.post_detail(opened)
        post = detail.post
        if post is None:
            st.warning("That post is no longer in the database.")
        else:
            row = rows[rows["post_id"] == opened]
            with st.container(border=True):
                review.show_post(post)
            tabs = st.tabs(["Reasons", "Metadata & scores", "Duplicates", "History", "Quality"])
            with tabs[0]:
                if row.empty:
                    st.text("Not on this page of the queue (decided, filtered out or no reasons).")
                else:
                    r = row.iloc[0]
                    st.text(f"priority {r['priority']} · band {r['band']} · computed freshness "
                            f"{r['computed_freshness']}")
                    for reason_text in r["reasons"]:
                        st.text(f"• {reason_text}")
            with tabs[1]:
                st.dataframe(review.metadata_frame(post), hide_index=True, width="stretch")
            with tabs[2]:
                if detail.duplicates.empty:
                    st.text("No near-duplicates recorded.")
                else:
                    st.dataframe(detail.duplicates, hide_index=True, width="stretch")
            with tabs[3]:
                if detail.history.empty:
                    st.text("No decisions yet.")
                else:
                    st.dataframe(detail.history, hide_index=True, width="stretch")
            with tabs[4]:
                quality_card.show_card(post, policy)

with right:
    st.subheader("Decision")
    name = review.reviewer_box()
    if st.session_state.pop("review_clear_selection", False):
        st.session_state["review_selected"] = []
    st.session_state["review_selected"] = [p for p in st.session_state.get("review_selected", []) if p in page_ids]
    selected = st.multiselect("Bulk selection (this page)", page_ids, key="review_selected",
                              placeholder="Select rows in the table or here")
    with st.form("review_decision_form", clear_on_submit=False):
        target = st.radio("Apply to", ["opened post", "bulk selection"], key="review_target", horizontal=True)
        decision = st.selectbox("Decision", list(DECISIONS), format_func=DECISIONS.get,
                                key="review_decision")
        note = st.text_area("Note", key="review_note", height=80)
        assign_to = st.text_input("Assignee (optional)", key="review_assign_to")
        merge_into = st.text_input("Merge into post id (for merge)", key="review_merge_into")
        snooze_until = st.date_input("Snooze until (for snooze)", value=as_of + dt.timedelta(days=14),
                                     key="review_snooze_until", format="YYYY-MM-DD")
        submitted = st.form_submit_button("Record decision", type="primary", disabled=not name)
    if submitted:
        ids = ([opened] if opened else []) if target == "opened post" else selected
        try:
            made = review.record(ids, decision, note=note, assignee=assign_to, merge_into=merge_into,
                                 snooze_until=snooze_until, content_hashes=hashes)
        except CopydeskError as exc:      # refused, or the database stayed busy: say so, keep the form
            common.show_error(exc)
        else:
            st.session_state["review_flash"] = f"Recorded '{DECISIONS[decision]}' for {len(made)} post(s)."
            if target == "bulk selection":
                st.session_state["review_clear_selection"] = True
            st.rerun()
    if st.session_state.get("review_flash"):
        st.success(st.session_state.pop("review_flash"))

if st.toggle("Count posts per reason in this view", key="review_show_reason_counts"):
    st.dataframe(review.reason_counts(policy, as_of, filters), hide_index=True)
