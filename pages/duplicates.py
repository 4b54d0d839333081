"""Duplicates: near-duplicate clusters, side-by-side comparison and editors' verdicts."""

import streamlit as st

from copydesk import db as dbmod
from copydesk import duplicates, export, ui

st.title("Duplicates")


@st.cache_data(show_spinner=False, max_entries=32)
def _clusters(path: str, version: tuple, threshold: float):
    edges = ui.query_df("duplicates/cluster_edges", threshold=threshold)
    stored = ui.query_df("duplicates/stored_clusters", threshold=threshold)
    if not stored.empty:        # built at this threshold by the last run or verdict: no recomputation
        return edges, stored
    members = ui.query_df("duplicates/edge_members", threshold=threshold)
    confirmed = {}
    for row in ui.query_df("duplicates/canonical_verdicts").itertuples():
        confirmed.setdefault(row.post_id, (row.editor, row.decided_at))
    return edges, duplicates.clusters_at(edges, members, confirmed)


def _run_detection():
    with st.spinner("Finding duplicates…"):
        with dbmod.session(ui.current_db()) as con:
            dbmod.ensure_schema(con)
            summary = duplicates.refresh(con, incremental=True)
    st.cache_data.clear()
    st.session_state["dup_flash"] = (f"{summary['mode']} run: {summary.get('compared', 0):,} posts compared, "
                                     f"{summary['clusters']:,} clusters.")


def _verdict(verdict, a, b, editor):
    if not editor.strip():
        st.session_state["dup_flash"] = "Enter your name before recording a verdict."
        return
    with dbmod.session(ui.current_db()) as con:
        duplicates.record_verdict(con, verdict, a, b, editor=editor, threshold=st.session_state["dup_threshold"])
    st.cache_data.clear()
    st.session_state["dup_flash"] = f"Recorded: {verdict.replace('_', ' ')} ({a}, {b}) by {editor.strip()}."


if ui.require_db():
    if msg := st.session_state.pop("dup_flash", None):
        st.info(msg)
    runs = ui.query_df("duplicates/runs_recent", limit=10)
    if runs.empty:
        st.warning("Duplicate detection has not run on this database yet "
                   f"(`copydesk duplicates --db {ui.current_db()}`).")
        st.button("Find duplicates now", key="dup_run_first", on_click=_run_detection)
        st.stop()

    last = runs.iloc[0]
    floor, default = float(last["floor"]), float(last["threshold"])
    st.caption(f"Last run {int(last['run_id'])} ({last['mode']}) at {last['finished_at']:%Y-%m-%d %H:%M}: "
               f"{int(last['posts'] or 0):,} posts, pairs stored down to similarity {floor:g}.")
    if "dup_threshold" not in st.session_state:
        st.session_state["dup_threshold"] = default
    threshold = st.slider("Similarity threshold", min_value=floor, max_value=100.0, step=0.5, key="dup_threshold",
                          help="Two posts are duplicates when their article similarity (0-100, "
                               "max of ratio and token_sort_ratio) is at least this.")
    edges, clusters = _clusters(str(ui.current_db()), ui.db_version(), float(threshold))

    tab_clusters, tab_titles, tab_log = st.tabs(["Clusters", "Title duplicates", "Verdicts & runs"])

    with tab_clusters:
        if clusters.empty:
            st.info("No duplicate clusters at this threshold.")
        else:
            summary = (clusters.groupby("cluster_id", as_index=False)
                       .agg(posts=("post_id", "size"), views=("view_count", "sum"),
                            canonical=("canonical_post_id", "first"))
                       .merge(clusters[clusters["is_canonical"]][["cluster_id", "title", "reason"]], on="cluster_id")
                       .sort_values(["posts", "views", "cluster_id"], ascending=[False, False, True]))
            c1, c2, c3 = st.columns(3)
            c1.metric("Clusters", f"{len(summary):,}")
            c2.metric("Posts in clusters", f"{len(clusters):,}")
            c3.metric("Duplicate posts (not canonical)", f"{int((~clusters['is_canonical']).sum()):,}")
            st.dataframe(summary, hide_index=True, width="stretch", key="dup_summary_table",
                         column_config={"views": st.column_config.NumberColumn("views", format="%d")})
            st.download_button("Download clusters (CSV)", data=lambda: export.frame_csv_bytes(clusters),
                               file_name=f"duplicate_clusters_{threshold:g}.csv", mime="text/csv",
                               key="dup_download", on_click="ignore")

            ids = summary["cluster_id"].tolist()[:1000]
            labels = {int(r.cluster_id): f"#{int(r.cluster_id)} · {int(r.posts)} posts · {r.title}"
                      for r in summary.head(1000).itertuples()}
            cid = st.selectbox("Cluster", ids, format_func=lambda c: labels.get(int(c), str(c)), key="dup_cluster")
            members = clusters[clusters["cluster_id"] == cid].sort_values(["is_canonical", "post_id"],
                                                                          ascending=[False, True])
            st.dataframe(members[["post_id", "is_canonical", "site", "title", "status", "score_quality",
                                  "score_freshness", "view_count", "reason"]],
                         hide_index=True, width="stretch", key="dup_members_table")

            ids_in = set(members["post_id"])
            pairs = edges[edges["post_id_a"].isin(ids_in) & edges["post_id_b"].isin(ids_in)] \
                .sort_values("similarity", ascending=False)
            options = [f"{r.post_id_a} ↔ {r.post_id_b} ({r.similarity:.1f})" for r in pairs.itertuples()]
            choice = st.selectbox("Pair", range(len(options)), format_func=lambda i: options[i], key="dup_pair")
            if choice is not None and len(pairs):
                row = pairs.iloc[int(choice)]
                a, b = row["post_id_a"], row["post_id_b"]
                posts = ui.query_df("duplicates/pair_posts", post_id_a=a, post_id_b=b).set_index("post_id")
                if a in posts.index and b in posts.index:
                    pa_, pb_ = posts.loc[a], posts.loc[b]
                    view = duplicates.pair_view(pa_["title"], pa_["body"], pb_["title"], pb_["body"])
                    st.caption(f"Similarity {view['similarity']:.1f}. Removed words are marked [-…-] on the "
                               "left, added words {+…+} on the right (normalised text).")
                    left, right = st.columns(2)
                    for col, pid, p, text in ((left, a, pa_, view["left"]), (right, b, pb_, view["right"])):
                        with col:
                            st.text(f"{pid} · {p['site']} · quality {p['score_quality']} · "
                                    f"freshness {p['score_freshness']} · views {p['view_count']}")
                            st.code(text, language=None, wrap_lines=True)
                    with st.expander("Line diff of the original text"):
                        st.code(view["unified"] or "(no line differences)", language="diff")

                    st.text_input("Your name", key="dup_editor")
                    editor = st.session_state.get("dup_editor", "")
                    b1, b2, b3 = st.columns(3)
                    b1.button("Not duplicates", key="dup_not_duplicate", on_click=_verdict,
                              args=("not_duplicate", a, b, editor))
                    b2.button(f"Keep {a}", key="dup_keep_a", on_click=_verdict, args=("canonical", a, b, editor))
                    b3.button(f"Keep {b}", key="dup_keep_b", on_click=_verdict, args=("canonical", b, a, editor))

    with tab_titles:
        titles = ui.query_df("duplicates/title_pairs", threshold=float(threshold), limit=5000)
        st.caption("Posts that share a title but whose articles are not duplicates (article similarity "
                   "below the threshold; empty when below the storage floor).")
        st.dataframe(titles, hide_index=True, width="stretch", key="dup_titles_table")
        st.download_button("Download title duplicates (CSV)", data=lambda: export.frame_csv_bytes(titles),
                           file_name="title_duplicates.csv", mime="text/csv", key="dup_titles_download",
                           on_click="ignore")

    with tab_log:
        st.subheader("Verdicts")
        st.dataframe(ui.query_df("duplicates/verdict_log", limit=500), hide_index=True, width="stretch",
                     key="dup_verdicts_table")
        st.subheader("Runs")
        st.dataframe(runs, hide_index=True, width="stretch", key="dup_runs_table")
        st.button("Compare new and changed posts now", key="dup_run_incremental", on_click=_run_detection)
