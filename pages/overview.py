"""Overview: what the database holds, the import history and its rejected files, and browser uploads."""

import streamlit as st

from copydesk import export, ui

ALL = 2**62   # "no limit" for the downloads of every row

st.title("Overview")

if ui.require_db():
    figures = ui.query_df("overview/figures").iloc[0]
    cols = st.columns(6)
    cols[0].metric("Posts", f"{figures['posts']:,}")
    cols[1].metric("Sites", f"{figures['sites']:,}")
    cols[2].metric("Flagged for review", f"{figures['flagged']:,}")
    cols[3].metric("Never reviewed", f"{figures['never_reviewed']:,}")
    cols[4].metric("Drafts", f"{figures['drafts']:,}")
    cols[5].metric("With parse warnings", f"{figures['with_warnings']:,}")

    st.subheader("Posts by site and status")
    by_site = ui.query_df("overview/posts_by_site_status")
    if by_site.empty:
        st.info("No posts yet: import some below or with `copydesk import PATH`.")
    else:
        st.dataframe(by_site.pivot_table(index="site", columns="status", values="posts",
                                         fill_value=0, aggfunc="sum"),
                     key="overview_by_site")
        st.download_button("Posts by site and status (CSV)", data=lambda: export.frame_csv_bytes(by_site),
                           file_name="posts_by_site_status.csv", mime="text/csv", on_click="ignore",
                           key="overview_by_site_csv")

    st.subheader("Import history")
    st.dataframe(ui.query_df("overview/import_history", limit=50), hide_index=True,
                 key="overview_history")
    st.download_button("Import history, all batches (CSV)",
                       data=lambda: export.frame_csv_bytes(ui.query_df("overview/import_history", limit=ALL)),
                       file_name="import_history.csv", mime="text/csv", on_click="ignore",
                       key="overview_history_csv")

    st.subheader("Rejected files")
    rejected = ui.query_df("overview/rejected_files", limit=500)
    if rejected.empty:
        st.caption("No file has been rejected.")
    else:
        st.dataframe(rejected, hide_index=True, key="overview_rejected")
        st.download_button("All rejected files (CSV)",
                           data=lambda: export.frame_csv_bytes(ui.query_df("overview/rejected_files", limit=ALL)),
                           file_name="rejected_files.csv", mime="text/csv", on_click="ignore",
                           key="overview_rejected_csv")

st.subheader("Import files")
uploads = st.file_uploader("Page dumps (.txt), JSON Lines (.jsonl) or .zip archives",
                           type=["txt", "jsonl", "zip"], accept_multiple_files=True,
                           key="overview_uploads")
if uploads and st.button("Import uploaded files", key="overview_import", type="primary"):
    bar = st.progress(0.0, text="importing…")
    summary = ui.import_uploads(uploads, bar)
    bar.progress(1.0, text="done")
    st.success(
        f"Batch {summary.batch_id}: {summary.files_seen} files seen, {summary.imported} imported, "
        f"{summary.updated} updated, {summary.unchanged} unchanged, {summary.rejected} rejected, "
        f"{summary.warnings} warnings.")
    for rej in summary.rejects:
        st.text(f"rejected {rej['source_file']}: {rej['reason']}")
