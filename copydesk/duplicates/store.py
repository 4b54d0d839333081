"""Runs against a copydesk database: detect, store pairs, clusters and the incremental state.

:func:`refresh` runs the engine fully (every post) or incrementally (only new and
changed posts against the rest, using the signatures and template stored by the last
full run) and records the run; :func:`rebuild_clusters` recomputes the clusters from
the stored pairs and the editors' verdicts.  Every write of a run is one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Callable, Iterable

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import queries
from ..clock import utc_now
from ..db import transaction
from .clusters import build_clusters
from .candidates import rows_sharing_bucket
from .engine import empty_pairs, pairs_from_features
from .settings import DEFAULT, Settings, engine_settings
from .shingles import Features
from .source import article_fetcher, features_of, relation, scan, with_registered


def _scalar(con, name: str, **params):
    return queries.statement(name, params).scalar(con)


def _insert(con, query: str, relation_name: str, data) -> None:
    con.register(relation_name, data)
    try:
        queries.run(con, query)
    finally:
        try:
            con.unregister(relation_name)
        except duckdb.Error:
            pass


def _ids(con, name: str) -> pa.Array:
    """The post_id column of a named query, as one string array."""
    return relation(con, name).to_arrow_table().column("post_id").combine_chunks().cast(pa.string())


# --------------------------------------------------------------------------------------
# signatures as BLOBs
# --------------------------------------------------------------------------------------

def signature_rows(post_ids: pa.Array, sig: np.ndarray) -> pa.Table:
    """(post_id, sig BLOB) rows: each signature as its ``bins`` little-endian uint16 values."""
    sig = np.ascontiguousarray(sig, dtype="<u2")
    n, bins = sig.shape
    blobs = pa.FixedSizeBinaryArray.from_buffers(pa.binary(bins * 2), n, [None, pa.py_buffer(sig.tobytes())])
    return pa.table({"post_id": post_ids, "sig": blobs.cast(pa.binary())})


def signature_matrix(blobs: pa.Array, bins: int) -> np.ndarray:
    """The ``(n, bins)`` uint16 matrix back from the stored BLOBs (all of equal length)."""
    if isinstance(blobs, pa.ChunkedArray):
        blobs = blobs.combine_chunks()
    if len(blobs) == 0:
        return np.zeros((0, bins), np.uint16)
    flat = blobs.cast(pa.large_binary())
    offsets = np.frombuffer(flat.buffers()[1], dtype=np.int64)[flat.offset: flat.offset + len(flat) + 1]
    data = np.frombuffer(flat.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[-1]]
    return data.view("<u2").reshape(len(flat), bins).astype(np.uint16)


# --------------------------------------------------------------------------------------
# runs
# --------------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What a run found, before anything is written: the pairs, the posts' incremental state
    (tables of post_id, article_key, title_key, sig, streamed so a cluster's result need not fit in
    memory), the posts whose state goes (incremental runs), the template (full runs) and the stats."""

    mode: str
    pairs: pd.DataFrame
    stats: dict
    state: Iterable[pa.Table] = ()
    forget: pa.Array | None = None
    template: np.ndarray | None = None


Scan = Callable[..., Outcome]
"""A full scan of the posts behind a connection: (con, settings) -> :class:`Outcome`."""


def refresh(con, settings: Settings = DEFAULT, *, incremental: bool = False, scan_full: Scan | None = None) -> dict:
    """Detect duplicates in the database behind ``con`` and store the results.

    Full (default): every post against every other (through LSH, never all pairs);
    replaces pairs, clusters and the incremental state.  ``incremental=True``: only
    posts that are new or changed since the last run are compared against the rest
    (falls back to a full run when there is no compatible earlier run).  ``scan_full``
    runs the full scan elsewhere (the Dask engine); the default is this process.
    Verdicts are never touched.  Everything is computed first, then pairs, state,
    clusters and the run's record are written in one transaction: the database holds
    either the previous result or the new one.  Returns the run's summary.
    """
    t0 = time.perf_counter()
    started = utc_now()
    last_full = queries.run(con, "duplicates/last_full_run").fetchall()
    if incremental and last_full and json.loads(last_full[0][1]) == engine_settings(settings):
        outcome = _incremental(con, settings)
    else:
        outcome = (scan_full or _scan_full)(con, settings)
    t_write = time.perf_counter()
    with transaction(con):
        run_id = int(_scalar(con, "duplicates/next_run_id"))
        summary = _write(con, outcome, run_id)
        summary["clusters"] = rebuild_clusters(con, settings.threshold, run_id)
        summary["t_store"] = round(time.perf_counter() - t_write, 3)
        summary["seconds"] = round(time.perf_counter() - t0, 3)
        _record_run(con, run_id, started, summary, settings)
    summary["run_id"] = run_id
    return summary


def _record_run(con, run_id: int, started: dt.datetime, summary: dict, settings: Settings) -> None:
    run = pd.DataFrame([{
        "run_id": run_id, "mode": summary["mode"], "started_at": started, "finished_at": utc_now(),
        "posts": summary.get("posts"), "compared": summary.get("compared"),
        "candidates": summary.get("lsh_candidates"), "verified": summary.get("verified"),
        "pairs": summary.get("stored_pairs"), "clusters": summary["clusters"],
        "threshold": float(settings.threshold), "floor": float(settings.floor),
        "seconds": summary["seconds"], "settings": json.dumps(engine_settings(settings), sort_keys=True),
    }])
    _insert(con, "duplicates/insert_run", "dup_run", run)


def _write(con, outcome: Outcome, run_id: int) -> dict:
    """Store an outcome (inside the caller's transaction); returns the run's summary so far."""
    if outcome.mode == "full":
        queries.run(con, "duplicates/clear_all")
    elif outcome.forget is not None:
        _insert(con, "duplicates/forget_posts", "dup_forget", pa.table({"post_id": outcome.forget}))
    _store_pairs(con, outcome.pairs, run_id)
    for table in outcome.state:
        _store_state(con, table, run_id)
    if outcome.template is not None:
        _insert(con, "duplicates/insert_template", "dup_template", pa.table({"shingle": pa.array(outcome.template)}))
    return dict(outcome.stats, mode=outcome.mode, stored_pairs=len(outcome.pairs))


def state_rows(feats: Features) -> pa.Table:
    """The incremental state of the posts ``feats``: post_id, article_key, title_key, sig (BLOB)."""
    sig = signature_rows(feats.post_id, feats.sig)
    return sig.append_column("article_key", pa.array(feats.article_key)).append_column(
        "title_key", pa.array(feats.title_key))


def _scan_full(con, settings: Settings) -> Outcome:
    res, feats, template = scan(con, settings)
    state = [state_rows(feats)] if feats is not None and len(feats) else []
    return Outcome("full", res.pairs, dict(res.stats, compared=res.stats.get("posts", 0)), state, None, template)


def _incremental(con, settings: Settings) -> Outcome:
    t0 = time.perf_counter()
    stats: dict = {}
    stats["posts"] = int(_scalar(con, "duplicates/post_count"))
    changed = _ids(con, "duplicates/changed_posts")
    removed = _ids(con, "duplicates/removed_posts")
    stats["compared"] = len(changed)
    stats["removed"] = len(removed)
    template = relation(con, "duplicates/template").to_arrow_table().column("shingle").to_numpy().astype(np.uint64)
    pairs, state = empty_pairs(), []
    if len(changed):
        new = features_of(con, changed, template, settings)
        pairs = _pairs_of_changed(con, new, template, settings, stats)
        state = [state_rows(new)]
    stats["t_incremental"] = round(time.perf_counter() - t0, 3)
    return Outcome("incremental", pairs, stats, state, pa.concat_arrays([changed, removed]))


def _pairs_of_changed(con, new: Features, template: np.ndarray, settings: Settings, stats: dict) -> pd.DataFrame:
    """Pairs touching a changed post: the changed posts compared with themselves and with the
    unchanged posts that could pair with them."""
    ids = _related(con, new, settings)
    stats["related"] = len(ids)
    both = pa.concat_arrays([new.post_id, ids]) if len(ids) else new.post_id
    feats = features_of(con, both, template, settings)
    focus = np.zeros(len(feats), dtype=bool)
    focus[: len(new)] = True
    return pairs_from_features(feats, article_fetcher(con, feats.post_id), settings, stats, focus=focus).pairs


def _related(con, new: Features, settings: Settings) -> pa.Array:
    """Unchanged posts that share an exact or title key (``duplicates/related_posts``) or an LSH bucket
    (stored signatures) with a changed post."""
    new_posts = pa.table({"post_id": new.post_id, "article_key": pa.array(new.article_key),
                          "title_key": pa.array(new.title_key)})
    con.register("dup_new_posts", new_posts)
    try:
        related = relation(con, "duplicates/related_posts").to_arrow_table().column("post_id")
        stored = relation(con, "duplicates/stored_signatures").to_arrow_table()
    finally:
        con.unregister("dup_new_posts")
    near = rows_sharing_bucket(signature_matrix(stored.column("sig"), settings.bins), new.sig, settings)
    lsh_related = stored.column("post_id").combine_chunks().take(pa.array(near)).cast(pa.string())
    return pc.unique(pa.concat_arrays([related.combine_chunks().cast(pa.string()), lsh_related]))


# --------------------------------------------------------------------------------------
# storage
# --------------------------------------------------------------------------------------

def _store_state(con, state: pa.Table, run_id: int) -> None:
    """The incremental state of some posts (:func:`state_rows`): article hash and keys, signature."""
    ids = state.column("post_id").combine_chunks().cast(pa.string())
    hashes = with_registered(con, "dup_ids", pa.table({"post_id": ids, "ord": pa.array(np.arange(len(ids)))}),
                             "duplicates/article_hashes")
    hashes = hashes.take(pa.array(np.argsort(hashes.column("ord").to_numpy())))
    rows = pa.table({"post_id": ids, "article_hash": hashes.column("article_hash"),
                     "article_key": state.column("article_key"),
                     "title_key": state.column("title_key"),
                     "run_id": pa.array(np.full(len(ids), run_id, np.int64))})
    _insert(con, "duplicates/insert_state", "dup_state", rows)
    _insert(con, "duplicates/insert_signatures", "dup_signatures", pa.table({"post_id": ids, "sig": state.column("sig")}))


def _store_pairs(con, pairs: pd.DataFrame, run_id: int) -> None:
    if len(pairs):
        _insert(con, "duplicates/insert_pairs", "dup_pairs", pairs.assign(run_id=run_id))


def rebuild_clusters(con, threshold: float, run_id: int) -> int:
    """Recompute ``duplicate_clusters`` from the stored pairs and verdicts; returns the number of clusters."""
    edges = queries.run(con, "duplicates/cluster_edges", threshold=threshold).df()
    ids = pd.unique(pd.concat([edges["post_id_a"], edges["post_id_b"]], ignore_index=True).astype(object))
    con.register("dup_members", pa.table({"post_id": pa.array(list(ids), pa.string())}))
    try:
        meta = queries.run(con, "duplicates/member_meta").df()
    finally:
        con.unregister("dup_members")
    confirmed = {}
    for pid, editor, when in queries.run(con, "duplicates/canonical_verdicts").fetchall():
        confirmed.setdefault(pid, (editor, when))
    clusters = build_clusters(edges, meta, confirmed)
    out = clusters.drop(columns=["total_views"]).assign(threshold=float(threshold), run_id=int(run_id))
    out = out.astype({"cluster_id": "int64", "cluster_size": "int32", "is_canonical": "bool"})
    _insert(con, "duplicates/replace_clusters", "dup_clusters", out)
    return int(out["cluster_id"].nunique()) if len(out) else 0
