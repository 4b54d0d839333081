"""Duplicates: near-duplicate clusters, side-by-side comparison and editors' verdicts."""

import streamlit as st

from copydesk.app import common, duplicates

st.title("Duplicates")

if common.require_db():
    common.show_flash(duplicates.FLASH)
    runs = duplicates.runs(limit=10)
    if runs.empty:
        st.warning("Duplicate detection has not run on this database yet "
                   f"(`copydesk duplicates --db {common.database()}`).")
        st.button("Find duplicates now", key="dup_run_first", on_click=duplicates.run_detection)
        st.stop()

    last = duplicates.last_run(runs)
    st.caption(f"Last run {last.run_id} ({last.mode}) at {last.finished_at:%Y-%m-%d %H:%M}: "
               f"{last.posts:,} posts, pairs stored down to similarity {last.floor:g}.")
    if "dup_threshold" not in st.session_state:
        st.session_state["dup_threshold"] = last.threshold
    threshold = st.slider("Similarity threshold", min_value=last.floor, max_value=100.0, step=0.5, key="dup_threshold",
                          help="Two posts are duplicates when their article similarity (0-100, "
                               "max of ratio and token_sort_ratio) is at least this.")
    clusters = duplicates.clusters(float(threshold))

    tab_clusters, tab_titles, tab_log = st.tabs(["Clusters", "Title duplicates", "Verdicts & runs"])

    with tab_clusters:
        if clusters.members.empty:
            st.info("No duplicate clusters at this threshold.")
        else:
            c1, c2, c3 = st.columns(3)
            c1.metric("Clusters", f"{len(clusters.summary):,}")
            c2.metric("Posts in clusters", f"{len(clusters.members):,}")
            c3.metric("Duplicate posts (not canonical)", f"{clusters.duplicate_posts:,}")
            st.dataframe(clusters.summary, hide_index=True, width="stretch", key="dup_summary_table",
                         column_config={"views": st.column_config.NumberColumn("views", format="%d")})
            common.csv_button("Download clusters (CSV)", common.frame_csv(clusters.members),
                              file_name=f"duplicate_clusters_{threshold:g}.csv", key="dup_download")

            labels = clusters.labels()
            duplicates.cluster_from_url(clusters)         # ?post=ID: the cluster of a post opened from the queue
            cid = st.selectbox("Cluster", list(labels), format_func=lambda c: labels.get(int(c), str(c)),
                               key="dup_cluster")
            st.dataframe(clusters.members_of(cid), hide_index=True, width="stretch", key="dup_members_table")
            with st.expander("Open a post of this cluster in the Review queue"):
                duplicates.review_links(clusters.members_of(cid)["post_id"].tolist())

            pairs = clusters.pairs_of(cid)
            options = duplicates.pair_options(pairs)
            choice = st.selectbox("Pair", options, key="dup_pair")
            if choice is not None and len(pairs):
                row = pairs.iloc[options.index(choice)]
                a, b = row["post_id_a"], row["post_id_b"]
                pair = duplicates.pair(a, b)
                if pair is not None:
                    st.caption(f"Similarity {pair.similarity:.1f}. Removed words are marked [-…-] on the "
                               "left, added words {+…+} on the right (normalised text).")
                    for col, side in zip(st.columns(2), (pair.left, pair.right)):
                        with col:
                            st.text(f"{side.post_id} · {side.site} · quality {side.score_quality} · "
                                    f"freshness {side.score_freshness} · views {side.view_count}")
                            st.code(side.text, language=None, wrap_lines=True)
                    with st.expander("Line diff of the original text"):
                        st.code(pair.unified or "(no line differences)", language="diff")

                    common.reviewer_box("dup", "Your name (recorded with the verdict)")
                    st.caption("Keep one: the cluster's other posts are recorded as merged into it and leave the "
                               "review queue. Not duplicates: the pair leaves the clusters (and its "
                               "near-duplicate reason the queue).")
                    b1, b2, b3 = st.columns(3)
                    b1.button("Not duplicates", key="dup_not_duplicate", on_click=duplicates.record_verdict,
                              args=("not_duplicate", a, b, threshold))
                    b2.button(common.md_escape(f"Keep {a}"), key="dup_keep_a", on_click=duplicates.record_verdict,
                              args=("canonical", a, b, threshold, tuple(clusters.others_in(cid, a))))
                    b3.button(common.md_escape(f"Keep {b}"), key="dup_keep_b", on_click=duplicates.record_verdict,
                              args=("canonical", b, a, threshold, tuple(clusters.others_in(cid, b))))

    with tab_titles:
        titles = duplicates.title_pairs(float(threshold), limit=5000)
        st.caption("Posts that share a title but whose articles are not duplicates (article similarity "
                   "below the threshold; empty when below the storage floor).")
        st.dataframe(titles, hide_index=True, width="stretch", key="dup_titles_table")
        common.csv_button("Download title duplicates (CSV)", common.frame_csv(titles),
                          file_name="title_duplicates.csv", key="dup_titles_download")

    with tab_log:
        st.subheader("Verdicts")
        st.dataframe(duplicates.verdicts(limit=500), hide_index=True, width="stretch", key="dup_verdicts_table")
        st.subheader("Runs")
        st.dataframe(runs, hide_index=True, width="stretch", key="dup_runs_table")
        st.button("Compare new and changed posts now", key="dup_run_incremental", on_click=duplicates.run_detection)
