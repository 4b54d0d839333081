"""Where the posts come from: a DuckDB connection with a ``posts`` relation (a copydesk database,
or a DataFrame through :func:`memory_connection`).

:func:`find_pairs` streams the posts into :class:`~.shingles.Features`, then runs the
stages of :mod:`.engine`, fetching the articles to verify by id.
"""

from __future__ import annotations

import time
from typing import Iterator

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from .. import db as dbmod
from .. import queries
from .engine import Result, empty_pairs, pairs_from_features, rss_mb
from .settings import DEFAULT, Settings
from .shingles import Features, features, normalise_arrow, template_shingles
from .verify import Fetch


def relation(con, name: str, **params):
    """A named query as a DuckDB relation (Arrow output without an extra copy)."""
    return queries.statement(name, params).relation(con)


def with_registered(con, name: str, data, query: str, **params) -> pa.Table:
    """The Arrow result of ``query`` while ``data`` is registered as ``name``."""
    con.register(name, data)
    try:
        return relation(con, query, **params).to_arrow_table()
    finally:
        con.unregister(name)


def _positions(ids: pa.Array) -> pa.Table:
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    return pa.table({"post_id": ids.cast(pa.string()), "ord": pa.array(np.arange(len(ids)))})


def sample_template(con, total: int, settings: Settings = DEFAULT) -> np.ndarray:
    """Template shingles of a sample of ``sample_size`` posts."""
    sample = relation(con, "duplicates/posts_sample", n=settings.sample_size).to_arrow_table()
    return template_shingles(normalise_arrow(sample.column("title"), sample.column("body")), total, settings)


def stream_features(batches: Iterator[pa.RecordBatch], template: np.ndarray, settings: Settings) -> Features:
    """:class:`Features` of every post in ``batches`` (post_id, title, body), chunk by chunk."""
    return Features.concat([features(batch, template, settings) for batch in batches])


def read_features(con, template: np.ndarray, settings: Settings = DEFAULT) -> Features:
    """Features of every post, streamed ``chunk_rows`` at a time."""
    return stream_features(relation(con, "duplicates/posts").to_arrow_reader(settings.chunk_rows), template, settings)


def features_of(con, post_ids: pa.Array, template: np.ndarray, settings: Settings = DEFAULT) -> Features:
    """Features of the posts ``post_ids``, in that order."""
    tbl = with_registered(con, "dup_wanted", _positions(post_ids), "duplicates/posts_wanted_ids")
    return stream_features(tbl.to_batches(settings.chunk_rows), template, settings)


def fetch_articles(con, post_ids: pa.Array) -> list[str]:
    """Normalised articles of ``post_ids``, in that order."""
    tbl = with_registered(con, "dup_wanted", _positions(post_ids), "duplicates/posts_wanted")
    tbl = tbl.take(pa.array(np.argsort(tbl.column("ord").to_numpy())))
    return normalise_arrow(tbl.column("title"), tbl.column("body")).to_pylist()


def article_fetcher(con, post_ids: pa.Array) -> Fetch:
    """A :data:`~.verify.Fetch` over ``con``: positions into ``post_ids`` -> normalised articles."""
    return lambda positions: fetch_articles(con, post_ids.take(pa.array(positions)))


def find_pairs(con: duckdb.DuckDBPyConnection, settings: Settings = DEFAULT, *,
               template: np.ndarray | None = None) -> Result:
    """All exact, near (>= floor) and title pairs among the posts visible to ``con``.

    ``con`` needs a ``posts`` relation with post_id, title, body (a copydesk
    database or :func:`memory_connection`).  Never compares all pairs.
    """
    return scan(con, settings, template=template)[0]


def scan(con, settings: Settings = DEFAULT, *, template: np.ndarray | None = None
         ) -> tuple[Result, Features | None, np.ndarray]:
    """:func:`find_pairs`, also returning the posts' features and the template shingles (what a
    full run stores for later incremental runs); features are None when there are no posts."""
    t0 = time.perf_counter()
    total = int(queries.statement("duplicates/post_count", {}).scalar(con))
    stats: dict = {"posts": total}
    if total == 0:
        return Result(empty_pairs(), dict(stats, seconds=0.0)), None, np.zeros(0, np.uint64)
    if template is None:
        template = sample_template(con, total, settings)
    stats["template_shingles"] = int(len(template))
    t1 = time.perf_counter()
    feats = read_features(con, template, settings)
    t2 = time.perf_counter()
    stats["t_template"] = round(t1 - t0, 3)
    stats["t_signatures"] = round(t2 - t1, 3)
    stats["rss_mb_pass1"] = rss_mb()
    res = pairs_from_features(feats, article_fetcher(con, feats.post_id), settings, stats)
    res.stats["seconds"] = round(time.perf_counter() - t0, 3)
    return res, feats, template


def memory_connection(posts: pd.DataFrame | pa.Table) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose ``posts`` view is the DataFrame (needs post_id, title, body)."""
    con = dbmod.memory()
    con.register("posts_input", posts)
    queries.run(con, "duplicates/memory_posts")
    return con


def find_duplicates_df(posts: pd.DataFrame | pa.Table, settings: Settings = DEFAULT) -> Result:
    """:func:`find_pairs` on a DataFrame with columns post_id, title, body."""
    con = memory_connection(posts)
    try:
        return find_pairs(con, settings)
    finally:
        con.close()
