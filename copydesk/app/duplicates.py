"""The Duplicates page's data: detection runs, clusters at a threshold, one pair side by side,
title duplicates, and the two things an editor does here (run detection, record a verdict).

Clusters come from the clusters the last run or verdict stored when they were built at the
threshold asked for, else they are recomputed from the stored pairs (``copydesk.duplicates``
keeps pairs down to its floor).  The buttons' callbacks leave what happened under
:data:`FLASH` for the next render (``common.show_flash``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from .. import db, queries, queue
from .. import duplicates as engine
from ..errors import CopydeskError
from .common import Connection, cached_read, flash, page_link, reviewer, set_reviewer, writing

FLASH = "dup_flash"
CLUSTERS_LISTED = 1000           # clusters offered in the picker
MEMBER_COLUMNS = ["post_id", "is_canonical", "site", "title", "status", "score_quality", "score_freshness",
                  "view_count", "reason"]


@cached_read
def runs(con: Connection, limit: int = 10) -> pd.DataFrame:
    """The latest detection runs, newest first: ``run_id``, ``mode``, ``finished_at``, ``posts``,
    ``compared``, ``candidates``, ``verified``, ``pairs``, ``clusters``, ``threshold``, ``floor``,
    ``seconds``."""
    return queries.run(con, "duplicates/runs_recent", limit=limit).df()


@dataclass(frozen=True)
class Run:
    run_id: int
    mode: str                # full | incremental
    finished_at: Any         # timestamp
    posts: int
    floor: float             # pairs are stored down to this similarity
    threshold: float         # the run's threshold: the page's default


def last_run(runs: pd.DataFrame) -> Run:
    """The newest of :func:`runs` (which must not be empty)."""
    last = runs.iloc[0]
    return Run(int(last["run_id"]), str(last["mode"]), last["finished_at"], int(last["posts"] or 0),
               float(last["floor"]), float(last["threshold"]))


@dataclass(frozen=True)
class Clusters:
    """The duplicate clusters at one threshold."""
    edges: pd.DataFrame      # pairs at/above the threshold an editor has not rejected: post_id_a, post_id_b,
    #                          similarity …
    members: pd.DataFrame    # one row per post in a cluster: cluster_id, post_id, is_canonical, canonical_post_id,
    #                          reason, site, title, status, score_quality, score_freshness, view_count
    summary: pd.DataFrame    # one row per cluster, largest and most viewed first: cluster_id, posts, views,
    #                          canonical, title (the canonical post's), reason

    @property
    def duplicate_posts(self) -> int:
        """Posts in a cluster that are not its canonical post."""
        return int((~self.members["is_canonical"]).sum())

    def labels(self) -> dict[int, str]:
        """Picker labels of the first :data:`CLUSTERS_LISTED` clusters: ``#id · n posts · title``."""
        return {int(r.cluster_id): f"#{int(r.cluster_id)} · {int(r.posts)} posts · {r.title}"
                for r in self.summary.head(CLUSTERS_LISTED).itertuples()}

    def members_of(self, cluster_id: int) -> pd.DataFrame:
        """A cluster's posts, canonical first (:data:`MEMBER_COLUMNS`)."""
        rows = self.members[self.members["cluster_id"] == cluster_id]
        return rows.sort_values(["is_canonical", "post_id"], ascending=[False, True])[MEMBER_COLUMNS]

    def cluster_of(self, post_id: str | None) -> int | None:
        """The cluster holding ``post_id`` (None when it is in none at this threshold)."""
        rows = self.members[self.members["post_id"] == post_id]
        return None if rows.empty else int(rows["cluster_id"].iloc[0])

    def others_in(self, cluster_id: int, keep: str) -> list[str]:
        """The cluster's posts other than ``keep``: what "keep" merges into it."""
        ids = self.members.loc[self.members["cluster_id"] == cluster_id, "post_id"].tolist()
        return sorted(p for p in ids if p != keep)

    def pairs_of(self, cluster_id: int) -> pd.DataFrame:
        """The pairs inside a cluster, most similar first (columns of ``edges``)."""
        ids = set(self.members.loc[self.members["cluster_id"] == cluster_id, "post_id"])
        inside = self.edges["post_id_a"].isin(ids) & self.edges["post_id_b"].isin(ids)
        return self.edges[inside].sort_values("similarity", ascending=False)


def _summary(members: pd.DataFrame) -> pd.DataFrame:
    if members.empty:
        return pd.DataFrame(columns=["cluster_id", "posts", "views", "canonical", "title", "reason"])
    canonical = members[members["is_canonical"]][["cluster_id", "title", "reason"]]
    return (members.groupby("cluster_id", as_index=False)
            .agg(posts=("post_id", "size"), views=("view_count", "sum"), canonical=("canonical_post_id", "first"))
            .merge(canonical, on="cluster_id")
            .sort_values(["posts", "views", "cluster_id"], ascending=[False, False, True]))


@cached_read
def clusters(con: Connection, threshold: float) -> Clusters:
    """The clusters at ``threshold``: those stored when built at it (no recomputation), else computed
    from the stored pairs, editors' confirmed canonical posts winning."""
    edges = queries.run(con, "duplicates/cluster_edges", threshold=threshold).df()
    members = queries.run(con, "duplicates/stored_clusters", threshold=threshold).df()
    if members.empty:
        posts = queries.run(con, "duplicates/edge_members", threshold=threshold).df()
        confirmed: dict = {}
        for row in queries.run(con, "duplicates/canonical_verdicts").df().itertuples():
            confirmed.setdefault(row.post_id, (row.editor, row.decided_at))
        members = engine.clusters_at(edges, posts, confirmed)
    return Clusters(edges, members, _summary(members))


@dataclass(frozen=True)
class PairPost:
    post_id: str
    site: Any
    score_quality: Any
    score_freshness: Any
    view_count: Any
    text: str                # normalised text, removed words [-…-] (left) or added words {+…+} (right)


@dataclass(frozen=True)
class Pair:
    """Two posts side by side, as plain text."""
    similarity: float
    left: PairPost
    right: PairPost
    unified: str             # line diff of the original texts ("" when no line differs)


@cached_read
def pair(con: Connection, post_id_a: str, post_id_b: str) -> Pair | None:
    """The pair's posts and their differences; None when either post is gone."""
    posts = queries.run(con, "duplicates/pair_posts", post_id_a=post_id_a, post_id_b=post_id_b).df()
    posts = posts.set_index("post_id")
    if post_id_a not in posts.index or post_id_b not in posts.index:
        return None
    a, b = posts.loc[post_id_a], posts.loc[post_id_b]
    view = engine.pair_view(a["title"], a["body"], b["title"], b["body"])

    def side(pid, p, text) -> PairPost:
        return PairPost(pid, p["site"], p["score_quality"], p["score_freshness"], p["view_count"], text)
    return Pair(view["similarity"], side(post_id_a, a, view["left"]), side(post_id_b, b, view["right"]),
                view["unified"])


@cached_read
def title_pairs(con: Connection, threshold: float, limit: int = 5000) -> pd.DataFrame:
    """Posts sharing a title whose articles are below ``threshold``: ``post_id_a``, ``post_id_b``,
    ``title``, ``article_similarity``, ``views_a``, ``views_b``."""
    return queries.run(con, "duplicates/title_pairs", threshold=threshold, limit=limit).df()


@cached_read
def verdicts(con: Connection, limit: int = 500) -> pd.DataFrame:
    """Editors' verdicts, latest first: ``verdict_id``, ``verdict``, ``post_id_a``, ``post_id_b``,
    ``editor``, ``decided_at``, ``note``."""
    return queries.run(con, "duplicates/verdict_log", limit=limit).df()


# --- what an editor does (button callbacks) ----------------------------------------------------

def run_detection() -> None:
    """Compare new and changed posts (the first run compares all), then say what was found."""
    try:
        with st.spinner("Finding duplicates…"), writing() as con:
            db.ensure_schema(con)
            summary = engine.refresh(con, incremental=True)
    except CopydeskError as exc:
        flash(FLASH, exc)
        return
    flash(FLASH, f"{summary['mode']} run: {summary.get('compared', 0):,} posts compared, "
                 f"{summary['clusters']:,} clusters.")


NAME_INPUT = "dup_name_input"       # the name box (common.reviewer_box("dup"))


def editor_now() -> str | None:
    """The reviewer's name at click time: the one given this session, else what is typed in the
    name box right now (so a verdict works on the first click after typing, without Enter)."""
    name = reviewer()
    if not name:
        typed = " ".join(str(st.session_state.get(NAME_INPUT) or "").split())
        if typed:
            set_reviewer(typed)
            name = reviewer()
    return name


def record_verdict(verdict: str, post_id: str, other_id: str, threshold: float, merged: tuple = ()) -> None:
    """Button callback: record an editor's verdict on a pair and rebuild the clusters at ``threshold``.

    ``canonical`` (keep ``post_id``) also records a review decision ``merge`` into ``post_id`` for
    ``merged`` (the cluster's other posts): they leave the review queue.  ``not_duplicate`` takes
    the pair out of the clusters, so the near-duplicate reason of the pair goes with it."""
    editor = editor_now()
    if not editor:
        flash(FLASH, "Enter your name before recording a verdict.")
        return
    others = [p for p in merged if p != post_id]
    try:
        with writing() as con:
            engine.record_verdict(con, verdict, post_id, other_id, editor=editor, threshold=threshold)
            if verdict == "canonical" and others:
                queue.record_decisions(con, others, "merge", editor, merge_into=post_id,
                                       note=f"duplicate verdict: keep {post_id}")
    except CopydeskError as exc:
        flash(FLASH, exc)
        return
    if verdict == "canonical":
        flash(FLASH, f"Recorded: keep {post_id} by {editor}; {len(others)} other post(s) of the cluster "
                     f"recorded as merged into it (they leave the review queue).")
    else:
        flash(FLASH, f"Recorded: {post_id} and {other_id} are not duplicates, by {editor}.")


def pair_options(pairs: pd.DataFrame) -> list[str]:
    """The pair picker's options: ``a ↔ b (similarity)`` (new options for a new cluster, so the
    picker never keeps the previous cluster's label)."""
    return [f"{r.post_id_a} ↔ {r.post_id_b} ({r.similarity:.1f})" for r in pairs.itertuples()]


def review_links(post_ids: list[str]) -> None:
    """A link per post to the Review queue with that post opened."""
    for post_id in post_ids:
        page_link("pages/review_queue.py", f"Open {post_id} in the Review queue", icon=":material/checklist:",
                  query_params={"open": post_id})


def cluster_from_url(clusters: "Clusters") -> None:
    """``?post=ID`` (a link from the Review queue): pick the cluster holding that post, once."""
    wanted = st.query_params.get("post")
    if wanted and st.session_state.get("dup_linked_post") != wanted:
        st.session_state["dup_linked_post"] = wanted
        cid = clusters.cluster_of(wanted)
        if cid is not None and cid in clusters.labels():
            st.session_state["dup_cluster"] = cid
        else:
            flash(FLASH, f"{wanted} is in no cluster at this threshold.")
