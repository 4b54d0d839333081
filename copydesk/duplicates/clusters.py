"""Stage 4: clusters of duplicate pairs and the post to keep in each.

Union-find over pairs (:func:`connected_components`); the suggested canonical post is
the one with the best quality, then freshness, then views, then the smallest id, unless
an editor confirmed one (:func:`suggest_canonical` for one cluster, :func:`build_clusters`
for all of them at once).  DataFrames in, DataFrames out: no database.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_RANKING = ["score_quality", "score_freshness", "view_count"]
_COLUMNS = ["cluster_id", "post_id", "cluster_size", "is_canonical", "canonical_post_id", "reason", "total_views"]


def connected_components(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Union-find over edges (a[i], b[i]) of nodes 0..n-1: the smallest node of each component."""
    parent = np.arange(n)
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    while True:
        # hook every edge's larger root onto its smaller root, then compress paths
        ra, rb = parent[a], parent[b]
        lo = np.minimum(ra, rb)
        changed = ra != rb
        if not changed.any():
            break
        np.minimum.at(parent, ra[changed], lo[changed])
        np.minimum.at(parent, rb[changed], lo[changed])
        while True:
            pp = parent[parent]
            if np.array_equal(pp, parent):
                break
            parent = pp
    return parent


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return "n/a"
    return f"{int(v):,}"


def _numeric(df: pd.DataFrame) -> pd.DataFrame:
    """The ranking columns as numbers (missing or unparsable: NaN), in place."""
    for col in _RANKING:
        df[col] = pd.to_numeric(df[col], errors="coerce") if col in df else np.nan
    return df


def suggest_canonical(members: pd.DataFrame, confirmed: dict | None = None) -> tuple[str, str]:
    """(post_id, reason) of the post to keep among ``members``.

    Best quality, then freshness, then views, then the smallest post id; an editor's
    confirmed canonical (``confirmed``: post_id -> (editor, decided_at)) wins.
    """
    confirmed = confirmed or {}
    picks = [(confirmed[p][1], p) for p in members["post_id"] if p in confirmed]
    if picks:
        _when, pid = max(picks)
        editor, when = confirmed[pid]
        return pid, f"confirmed by {editor} on {pd.Timestamp(when):%Y-%m-%d}"
    m = _numeric(members.copy())
    m = m.sort_values(_RANKING + ["post_id"], ascending=[False, False, False, True], na_position="last",
                      kind="stable")
    best = m.iloc[0]
    if len(m) == 1:
        return best["post_id"], "only post"
    rest = m.iloc[1:]
    labels = (("score_quality", "highest quality"), ("score_freshness", "freshest"), ("view_count", "most views"))
    for col, label in labels:
        top, nxt = best[col], rest[col].max()
        if pd.isna(top) and pd.isna(nxt):
            continue
        if pd.isna(nxt) or (not pd.isna(top) and top > nxt):
            ties = ["quality", "freshness"][: [c for c, _ in labels].index(col)]
            prefix = f"{' and '.join(ties)} tied; " if ties else ""
            return best["post_id"], f"{prefix}{label} ({_fmt(top)} vs {_fmt(nxt)})"
        rest = rest[rest[col] == top]
    return best["post_id"], "quality, freshness and views tied; smallest post id"


def build_clusters(edges: pd.DataFrame, meta: pd.DataFrame, confirmed: dict | None = None) -> pd.DataFrame:
    """Clusters of the pairs ``edges`` (post_id_a, post_id_b) with a canonical suggestion.

    ``meta``: post_id, score_quality, score_freshness, view_count.  Returns one row per
    member: cluster_id (1 = largest, then most views), post_id, cluster_size,
    is_canonical, canonical_post_id, reason (on the canonical row), total_views.
    Vectorised; the choice and reason are those of :func:`suggest_canonical`.
    """
    if edges.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in _COLUMNS})
    ids = pd.unique(pd.concat([edges["post_id_a"], edges["post_id_b"]], ignore_index=True).astype(object))
    index = pd.Index(ids)
    root = connected_components(index.get_indexer(edges["post_id_a"]), index.get_indexer(edges["post_id_b"]), len(ids))
    df = pd.DataFrame({"post_id": ids.astype(object), "root": root})
    df = _numeric(df.merge(meta, on="post_id", how="left"))
    g = df.groupby("root")
    df["cluster_size"] = g["post_id"].transform("size").astype("int64")
    df["total_views"] = g["view_count"].transform("sum").fillna(0).astype("int64")
    canon = _confirmed_canonicals(_suggested_canonicals(df), df, confirmed)
    df = df.join(canon, on="root")
    df["is_canonical"] = df["post_id"] == df["canonical_post_id"]
    df["reason"] = df["reason"].where(df["is_canonical"], None)
    ordered = (df[df["is_canonical"]]
               .sort_values(["cluster_size", "total_views", "canonical_post_id"], ascending=[False, False, True]))
    cid = pd.Series(np.arange(1, len(ordered) + 1), index=ordered["root"].to_numpy())
    df["cluster_id"] = df["root"].map(cid).astype("int64")
    df = df.sort_values(["cluster_id", "is_canonical", "post_id"], ascending=[True, False, True], ignore_index=True)
    return df[_COLUMNS]


def _suggested_canonicals(df: pd.DataFrame) -> pd.DataFrame:
    """canonical_post_id and reason per ``root``: the best member compared with the runner-up."""
    order = df.sort_values(["root"] + _RANKING + ["post_id"], ascending=[True, False, False, False, True],
                           na_position="last", kind="stable")
    rank = order.groupby("root").cumcount()
    best = order[rank.to_numpy() == 0].set_index("root")
    second = order[rank.to_numpy() == 1].set_index("root").reindex(best.index)

    def gt(col):
        x, y = best[col].to_numpy(dtype=float), second[col].to_numpy(dtype=float)
        return ~np.isnan(x) & (np.isnan(y) | (x > y)), x, y

    def tied(col):
        x, y = best[col].to_numpy(dtype=float), second[col].to_numpy(dtype=float)
        return (x == y) | (np.isnan(x) & np.isnan(y))

    q_gt, q1, q2 = gt("score_quality")
    f_gt, f1, f2 = gt("score_freshness")
    v_gt, v1, v2 = gt("view_count")
    q_tie, f_tie = tied("score_quality"), tied("score_freshness")
    only = second["post_id"].isna().to_numpy()
    fmt = lambda v: "n/a" if np.isnan(v) else f"{int(v):,}"  # noqa: E731
    reasons = []
    for i in range(len(best)):
        if only[i]:
            reasons.append("only post")
        elif q_gt[i]:
            reasons.append(f"highest quality ({fmt(q1[i])} vs {fmt(q2[i])})")
        elif q_tie[i] and f_gt[i]:
            reasons.append(f"quality tied; freshest ({fmt(f1[i])} vs {fmt(f2[i])})")
        elif q_tie[i] and f_tie[i] and v_gt[i]:
            reasons.append(f"quality and freshness tied; most views ({fmt(v1[i])} vs {fmt(v2[i])})")
        else:
            reasons.append("quality, freshness and views tied; smallest post id")
    return pd.DataFrame({"canonical_post_id": best["post_id"].to_numpy(), "reason": reasons}, index=best.index)


def _confirmed_canonicals(canon: pd.DataFrame, df: pd.DataFrame, confirmed: dict | None) -> pd.DataFrame:
    """``canon`` with each cluster's latest editor-confirmed canonical (post_id -> (editor, when)) in place
    of the suggestion."""
    if not confirmed:
        return canon
    conf = pd.DataFrame([(p, e, pd.Timestamp(w)) for p, (e, w) in confirmed.items()],
                        columns=["post_id", "editor", "decided_at"])
    conf = conf.merge(df[["post_id", "root"]], on="post_id")
    if len(conf):
        conf = conf.sort_values(["root", "decided_at"]).groupby("root").tail(1).set_index("root")
        canon.loc[conf.index, "canonical_post_id"] = conf["post_id"]
        canon.loc[conf.index, "reason"] = [f"confirmed by {e} on {w:%Y-%m-%d}"
                                           for e, w in zip(conf["editor"], conf["decided_at"])]
    return canon
