"""Editors' verdicts on pairs and clusters, and the pairs CSV."""

from __future__ import annotations

import datetime as dt

from .. import queries
from ..clock import as_utc, utc_now
from .settings import DEFAULT, VERDICTS
from .store import rebuild_clusters


def record_verdict(con, verdict: str, post_id_a: str, post_id_b: str | None = None, *,
                   editor: str, note: str | None = None, when: dt.datetime | None = None,
                   threshold: float | None = None) -> int:
    """Record an editor's verdict and refresh the clusters; returns the verdict id.

    ``not_duplicate`` / ``duplicate``: about the pair (order of the ids does not
    matter).  ``canonical``: ``post_id_a`` is the post to keep in its cluster.
    """
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {VERDICTS}")
    if not editor or not str(editor).strip():
        raise ValueError("an editor name is required")
    if verdict != "canonical":
        if not post_id_b:
            raise ValueError("a pair verdict needs two posts")
        post_id_a, post_id_b = sorted((post_id_a, post_id_b))
    vid = int(queries.statement("duplicates/next_verdict_id", {}).scalar(con))
    queries.run(con, "duplicates/insert_verdict", verdict_id=vid, verdict=verdict, post_id_a=post_id_a,
                post_id_b=post_id_b, editor=str(editor).strip(), decided_at=as_utc(when) if when else utc_now(), note=note)
    latest = queries.run(con, "duplicates/latest_run").df()
    if threshold is None:
        threshold = float(latest["threshold"].iloc[0]) if len(latest) else DEFAULT.threshold
    run_id = int(latest["run_id"].iloc[0]) if len(latest) else 0
    rebuild_clusters(con, threshold, run_id)
    return vid


def export_csv(con, path, threshold: float = DEFAULT.threshold) -> int:
    """Write duplicate pairs at/above ``threshold`` to CSV (post_id_a, post_id_b, similarity, ...) with the
    exports' writer (formula-like cells neutralised)."""
    from .. import export
    return export.copy(con, queries.statement("duplicates/pairs_csv", {"threshold": threshold}), path, "csv")
