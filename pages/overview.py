"""Overview: what the database holds, the import history and its rejected files, and browser uploads."""

import streamlit as st

from copydesk.app import common, overview

st.title("Overview")

overview.show_last_import()              # after an upload: its summary, above the refreshed figures

if common.require_db():
    figures = overview.figures()
    st.caption("The whole database: the sidebar filters of the other pages do not apply here.")
    cols = st.columns(6)
    cols[0].metric("Posts", f"{figures.posts:,}")
    cols[1].metric("Sites", f"{figures.sites:,}")
    cols[2].metric("Flagged for review", f"{figures.flagged:,}")
    cols[3].metric("Never reviewed", f"{figures.never_reviewed:,}")
    cols[4].metric("Drafts", f"{figures.drafts:,}")
    cols[5].metric("With parse warnings", f"{figures.with_warnings:,}")

    st.subheader("Posts by site and status")
    by_site = overview.posts_by_site_status()
    if by_site.empty:
        st.info("No posts yet: import some below or with `copydesk import PATH`.")
    else:
        st.dataframe(overview.site_status_table(by_site), key="overview_by_site", placeholder="—")
        common.csv_button("Posts by site and status (CSV)", common.frame_csv(by_site),
                          file_name="posts_by_site_status.csv", key="overview_by_site_csv")

    st.subheader("Import history")
    if common.show_table(overview.import_history(limit=50), key="overview_history", empty="No import yet."):
        common.csv_button("Import history, all batches (CSV)", overview.import_history_csv(),
                          file_name="import_history.csv", key="overview_history_csv")

    st.subheader("Rejected files")
    if common.show_table(overview.rejected_files(limit=500), key="overview_rejected",
                         empty="No file has been rejected."):
        common.csv_button("All rejected files (CSV)", overview.rejected_files_csv(),
                          file_name="rejected_files.csv", key="overview_rejected_csv")

st.subheader("Import files")
uploads = st.file_uploader("Page dumps (.txt), JSON Lines (.jsonl) or .zip archives",
                           type=["txt", "jsonl", "zip"], accept_multiple_files=True,
                           key=overview.uploader_key())
if uploads and st.button("Import uploaded files", key="overview_import", type="primary"):
    overview.import_and_refresh(uploads, st.progress(0.0, text="importing…"))
