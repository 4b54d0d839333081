"""What the Duplicates page shows: plain-text diffs of a pair, clusters at the slider's threshold."""

from __future__ import annotations

import difflib

import pandas as pd

from .clusters import build_clusters
from .shingles import normalise
from .verify import similarity


def word_diff(text_a: str, text_b: str) -> tuple[str, str, str]:
    """Plain-text views of two posts' differences (safe to show: no markup is produced).

    Returns (a with removed words as ``[-word-]``, b with added words as ``{+word+}``,
    a line-level unified diff).
    """
    ta, tb = (text_a or "").split(" "), (text_b or "").split(" ")
    left, right = [], []
    sm = difflib.SequenceMatcher(a=ta, b=tb, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            left.extend(ta[i1:i2])
            right.extend(tb[j1:j2])
            continue
        if i2 > i1:
            left.append("[-" + " ".join(ta[i1:i2]) + "-]")
        if j2 > j1:
            right.append("{+" + " ".join(tb[j1:j2]) + "+}")
    unified = "\n".join(difflib.unified_diff((text_a or "").splitlines(), (text_b or "").splitlines(),
                                             "a", "b", lineterm="", n=1))
    return " ".join(left), " ".join(right), unified


def pair_view(title_a, body_a, title_b, body_b) -> dict:
    """Everything the side-by-side view needs for one pair: similarity and plain-text diffs."""
    na, nb = normalise(title_a, body_a), normalise(title_b, body_b)
    left, right, _ = word_diff(na, nb)
    raw_a = f"{title_a or ''}\n\n{body_a or ''}"
    raw_b = f"{title_b or ''}\n\n{body_b or ''}"
    _, _, unified = word_diff(raw_a, raw_b)
    return {"similarity": round(similarity(na, nb), 2), "left": left, "right": right, "unified": unified}


def clusters_at(edges: pd.DataFrame, members: pd.DataFrame, confirmed: dict | None = None) -> pd.DataFrame:
    """Clusters for the page at any threshold: :func:`~.clusters.build_clusters` plus titles and sites."""
    cl = build_clusters(edges, members[["post_id", "score_quality", "score_freshness", "view_count"]], confirmed)
    return cl.merge(members[["post_id", "site", "title", "status", "score_quality", "score_freshness",
                             "view_count"]], on="post_id", how="left")
