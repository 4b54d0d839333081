"""The full duplicate scan on a Dask cluster: the stages of :mod:`.engine`, one partition at a time.

Every stage calls the same functions as the local engine (:func:`.shingles.features`,
:func:`.candidates.exact_pairs` / :func:`~.candidates.title_pairs` / :func:`~.candidates.band_key`
/ :func:`~.candidates.group_pairs`, :func:`.candidates.estimated_jaccard`,
:func:`.verify.length_ok` / :func:`~.verify.verify`, :func:`.verify.verify_with_closure`,
:func:`.engine.combine_pairs` / :func:`~.engine.pairs_frame`); what changes is where the
data is.  Posts have a global position ``pos`` (the local engine's scan order); partition
``i`` holds a contiguous range of positions.  Shuffles go through the stage folder
(:class:`copydesk.cluster.Stage`): the sender writes one file per receiving partition.

1. client: the posts (id, title, body) -> ``posts/i`` Parquet; template shingles from the
   same sample as the local engine.
2. ``features`` (``map_partitions``): features of partition i -> ``features/i`` (pos, id,
   normalised title, keys, length, signature); article and title keys shuffled by key.
3. ``groups`` (per key partition): exact pairs, exact groups, title pairs -> client.
4. ``bands``: LSH band keys of each exact group's representative, shuffled on band key.
5. ``buckets``: pairs sharing a bucket (``max_bucket`` applies per bucket, as locally),
   sent to the partition of the pair's first post.
6. ``candidates`` / ``jaccard``: unique pairs get the first post's signature and length,
   travel to the second post's partition, and are kept when the Jaccard estimate and the
   length bound allow -> client.
7. ``score`` / ``verify``: the first post's normalised article travels to the second
   post's partition, where rapidfuzz scores the pair; the closure rounds run the same way
   (client-side :func:`~.verify.verify_with_closure` drives them).
8. client: pairs of representatives expanded to every member of their exact groups,
   combined with exact and title pairs, titles compared: the same pairs table.

Memory on a worker is bounded by one partition of posts (and its share of a shuffle),
not by the corpus.  :func:`scanner` plugs the scan into :func:`.store.refresh`, which
stores the result (pairs, state, clusters, run record) in one transaction.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import queries
from ..cluster import Cluster, Stage, route, split_by
from .candidates import band_key, band_layout, exact_groups, exact_pairs, group_pairs, estimated_jaccard, title_pairs
from .candidates import ExactGroups
from .engine import combine_pairs, empty_pairs, pairs_frame
from .settings import Settings
from .shingles import Features, features, normalise_arrow
from .source import relation, sample_template
from .store import Outcome, signature_matrix, state_rows
from .verify import length_ok, verify, verify_with_closure

ROWS_PER_PARTITION = 50_000


# --------------------------------------------------------------------------------------
# the plan: partitions of positions
# --------------------------------------------------------------------------------------

class Plan:
    """Partition bounds: partition i holds positions starts[i] .. starts[i+1]-1."""

    def __init__(self, starts: np.ndarray, settings: Settings):
        self.starts = np.asarray(starts, np.int64)
        self.settings = settings

    @property
    def parts(self) -> int:
        return len(self.starts) - 1

    @property
    def total(self) -> int:
        return int(self.starts[-1])

    def part_of(self, pos: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.starts, pos, side="right") - 1


def partitions_for(total: int, workers: int, partitions: int | None) -> int:
    """``partitions`` when given, else enough for ``ROWS_PER_PARTITION`` posts each and two per worker."""
    if partitions:
        return max(1, min(partitions, max(total, 1)))
    return max(1, min(max(total, 1), max(2 * workers, math.ceil(total / ROWS_PER_PARTITION))))


def export_posts(con, stage: Stage, total: int, parts: int, chunk_rows: int) -> tuple[np.ndarray, int]:
    """Stream the current posts (the local engine's scan order) into ``parts`` Parquet files
    ``posts/i`` (pos, post_id, title, body); returns the partition starts and the bytes written."""
    size = math.ceil(total / parts)
    starts = [0]
    nbytes = 0
    buf, have = [], 0

    def flush(tbl: pa.Table) -> None:
        nonlocal nbytes
        i, lo = len(starts) - 1, starts[-1]
        pos = pa.array(np.arange(lo, lo + len(tbl), dtype=np.int64))
        nbytes += stage.write_table(f"posts/{i}", tbl.select(["post_id", "title", "body"]).add_column(0, "pos", pos))
        starts.append(lo + len(tbl))

    for batch in relation(con, "duplicates/posts").to_arrow_reader(chunk_rows):
        buf.append(batch)
        have += len(batch)
        while have >= size:
            tbl = pa.Table.from_batches(buf)
            flush(tbl.slice(0, size))
            rest = tbl.slice(size)
            buf, have = rest.to_batches(), len(rest)
    if have:
        flush(pa.Table.from_batches(buf))
    return np.array(starts, np.int64), nbytes


# --------------------------------------------------------------------------------------
# worker stages
# --------------------------------------------------------------------------------------

def features_partition(df: pd.DataFrame, stage: Stage, template: np.ndarray, settings: Settings,
                       parts: int) -> pd.DataFrame:
    """``map_partitions`` stage: features of one partition of posts -> ``features/i``; article keys
    and title keys sent to their key partitions (``exact/i-j``, ``title/i-j``)."""
    i = int(df["part"].iloc[0])
    posts = stage.read_table(f"posts/{i}")
    feats = features(posts, template, settings)
    pos = posts.column("pos").to_numpy()
    table = state_rows(feats).append_column("pos", pa.array(pos)).append_column("title", feats.title).append_column(
        "length", pa.array(feats.length))
    nbytes = stage.write_table(f"features/{i}", table)
    for j, rows in split_by(route(feats.article_key, parts), parts, pos=pos, key=feats.article_key):
        nbytes += stage.write_arrays(f"exact/{i}-{j}", **rows)
    for j, rows in split_by(route(feats.title_key, parts), parts, pos=pos, title_key=feats.title_key,
                            article_key=feats.article_key, length=feats.length):
        nbytes += stage.write_arrays(f"title/{i}-{j}", **rows)
    return pd.DataFrame({"part": [i], "posts": [len(pos)], "bytes": [nbytes]})


def _sorted_by_pos(rows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    order = np.argsort(rows["pos"], kind="stable")
    return {k: v[order] for k, v in rows.items()}


def groups_partition(j: int, stage: Stage, settings: Settings, parts: int) -> dict:
    """Exact pairs, exact-group members (member -> representative) and title pairs among the posts
    whose keys belong to key partition ``j`` (in scan order, as the local engine sees them)."""
    ex = _sorted_by_pos(stage.gather_arrays([f"exact/{i}-{j}" for i in range(parts)], ("pos", "key")))
    pos, key = ex["pos"].astype(np.int64), ex["key"].astype(np.uint64)
    ea, eb = exact_pairs(key, settings)
    groups = exact_groups(key)
    size = np.bincount(groups.group, minlength=groups.count)
    rep_of = np.zeros(groups.count, np.int64)
    rep_of[groups.group[groups.reps]] = groups.reps
    multi = size[groups.group] >= 2
    ti = _sorted_by_pos(stage.gather_arrays([f"title/{i}-{j}" for i in range(parts)],
                                            ("pos", "title_key", "article_key", "length")))
    ta, tb, tskip = title_pairs(ti["title_key"].astype(np.uint64), ti["article_key"].astype(np.uint64),
                                ti["length"].astype(np.int64), settings)
    tpos = ti["pos"].astype(np.int64)
    return {"exact_a": pos[ea], "exact_b": pos[eb], "member": pos[multi], "rep": pos[rep_of[groups.group[multi]]],
            "title_a": tpos[ta], "title_b": tpos[tb], "title_skipped": int(tskip)}


def bands_partition(i: int, stage: Stage, settings: Settings, parts: int, non_reps: np.ndarray) -> int:
    """LSH band keys of the representatives in partition ``i`` (posts with words), shuffled on
    (band, key) to ``bands/i-j``; returns the bytes written."""
    f = stage.read_table(f"features/{i}", columns=["pos", "sig"])
    pos = f.column("pos").to_numpy()
    sig = signature_matrix(f.column("sig"), settings.bins)
    keep = ~np.isin(pos, non_reps) & (sig[:, 0] != 0)
    pos, sig = pos[keep], sig[keep]
    layout = band_layout(settings)
    code = np.concatenate([(np.uint64(b) << np.uint64(32)) | band_key(sig, b, layout).astype(np.uint64)
                           for b in range(settings.bands)]) if len(pos) else np.zeros(0, np.uint64)
    allpos = np.tile(pos, settings.bands)
    return sum(stage.write_arrays(f"bands/{i}-{j}", code=rows["code"], pos=rows["pos"])
               for j, rows in split_by(route(code, parts), parts, code=code, pos=allpos))


def buckets_partition(j: int, stage: Stage, settings: Settings, starts: np.ndarray) -> tuple[int, int]:
    """Pairs of representatives sharing a band bucket of partition ``j`` (buckets over ``max_bucket``
    skipped), deduplicated and sent to the partition of their first post (``cands/j-i``).
    Returns (skipped buckets, bytes written)."""
    plan = Plan(starts, Settings())
    rows = stage.gather_arrays([f"bands/{i}-{j}" for i in range(plan.parts)], ("code", "pos"))
    a, b, skipped = group_pairs(rows["code"].astype(np.uint64), settings.max_bucket)
    pos = rows["pos"].astype(np.int64)
    lo, hi = np.minimum(pos[a], pos[b]), np.maximum(pos[a], pos[b])
    code = np.unique(lo * plan.total + hi)
    nbytes = sum(stage.write_arrays(f"cands/{j}-{i}", code=r["code"])
                 for i, r in split_by(plan.part_of(code // plan.total), plan.parts, code=code))
    return int(skipped), int(nbytes)


def candidates_partition(i: int, stage: Stage, settings: Settings, starts: np.ndarray) -> tuple[int, int]:
    """The unique candidate pairs whose first post is in partition ``i``, with that post's signature
    and length, sent to the partition of the second post (``pairs/i-k``).  Returns (candidates, bytes)."""
    plan = Plan(starts, settings)
    code = np.unique(stage.gather_arrays([f"cands/{j}-{i}" for j in range(plan.parts)], ("code",))["code"]
                     .astype(np.int64))
    a, b = code // plan.total, code % plan.total
    f = stage.read_table(f"features/{i}", columns=["sig", "length"])
    local = a - starts[i]
    sig = signature_matrix(f.column("sig"), settings.bins)[local]
    length = f.column("length").to_numpy()[local]
    nbytes = sum(stage.write_arrays(f"pairs/{i}-{k}", **r)
                 for k, r in split_by(plan.part_of(b), plan.parts, a=a, b=b, sig=sig, length=length))
    return len(code), int(nbytes)


def jaccard_partition(k: int, stage: Stage, settings: Settings, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs whose second post is in partition ``k``, kept when their signatures agree on
    ``min_jaccard`` of the bins and their lengths allow the floor: (a, b) positions."""
    plan = Plan(starts, settings)
    rows = stage.gather_arrays([f"pairs/{i}-{k}" for i in range(plan.parts)], ("a", "b", "sig", "length"))
    m = len(rows["a"])
    if m == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    f = stage.read_table(f"features/{k}", columns=["sig", "length"])
    sig = np.concatenate([rows["sig"].reshape(m, settings.bins).astype(np.uint16),
                          signature_matrix(f.column("sig"), settings.bins)])
    length = np.concatenate([rows["length"].astype(np.int64), f.column("length").to_numpy()])
    la, lb = np.arange(m), m + rows["b"].astype(np.int64) - starts[k]
    keep = estimated_jaccard(sig, la, lb) >= settings.min_jaccard
    la, lb = length_ok(length, la[keep], lb[keep], settings.floor)
    return rows["a"].astype(np.int64)[la], rows["b"].astype(np.int64)[la]


def _articles(stage: Stage, i: int, local: np.ndarray) -> pa.Array:
    """Normalised articles of the rows ``local`` of posts partition ``i``."""
    posts = stage.read_table(f"posts/{i}", columns=["title", "body"]).take(pa.array(local))
    return normalise_arrow(posts.column("title"), posts.column("body"))


def score_first(i: int, stage: Stage, starts: np.ndarray, a: np.ndarray, b: np.ndarray, tag: str) -> int:
    """Pairs whose first post is in partition ``i`` get its normalised article and length and travel to
    the second post's partition (``score-<tag>/i-k``).  Returns the bytes written."""
    plan = Plan(starts, Settings())
    local = a - starts[i]
    need, inv = np.unique(local, return_inverse=True)
    art = _articles(stage, i, need).take(pa.array(inv))
    length = stage.read_table(f"features/{i}", columns=["length"]).column("length").to_numpy()[local]
    nbytes = 0
    for k, r in split_by(plan.part_of(b), plan.parts, idx=np.arange(len(a))):
        sel = r["idx"]
        tbl = pa.table({"a": a[sel], "b": b[sel], "article": art.take(pa.array(sel)), "length": length[sel]})
        nbytes += stage.write_table(f"score-{tag}/{i}-{k}", tbl)
    return nbytes


def score_second(k: int, stage: Stage, settings: Settings, starts: np.ndarray, senders: list[int], tag: str):
    """Score the pairs whose second post is in partition ``k``: the length bound, then rapidfuzz
    (:func:`~.verify.verify`) on the travelled and the local articles.  Returns (a, b, sim)."""
    tables = [stage.read_table(f"score-{tag}/{i}-{k}") for i in senders]
    tbl = pa.concat_tables(tables) if tables else None
    if tbl is None or tbl.num_rows == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    m = tbl.num_rows
    a, b = tbl.column("a").to_numpy(), tbl.column("b").to_numpy()
    need, inv = np.unique(b - starts[k], return_inverse=True)
    own_len = stage.read_table(f"features/{k}", columns=["length"]).column("length").to_numpy()[need]
    length = np.concatenate([tbl.column("length").to_numpy(), own_len])
    la, lb = length_ok(length, np.arange(m), m + inv.reshape(-1), settings.floor)
    articles = pa.concat_arrays([tbl.column("article").combine_chunks().cast(pa.large_string()),
                                 _articles(stage, k, need)])
    sim = verify(la, lb, length, lambda positions: articles.take(pa.array(positions)).to_pylist(), settings)
    return a[la], b[la], sim


def rows_partition(i: int, stage: Stage, starts: np.ndarray, pos: np.ndarray) -> pa.Table:
    """post_id, normalised title and keys of the positions ``pos`` (sorted) of partition ``i``."""
    f = stage.read_table(f"features/{i}", columns=["pos", "post_id", "title", "article_key", "title_key"])
    return f.take(pa.array(pos - starts[i]))


# --------------------------------------------------------------------------------------
# the client's side
# --------------------------------------------------------------------------------------

def _by_part(plan: Plan, a: np.ndarray, b: np.ndarray):
    """(partition, a, b) for the partitions holding some first posts ``a``."""
    part = plan.part_of(a)
    for i, r in split_by(part, plan.parts, a=a, b=b):
        if len(r["a"]):
            yield i, r["a"], r["b"]


def cluster_score(cluster: Cluster, plan: Plan):
    """A :data:`~.verify.Score` that scores pairs of positions on the cluster (two hops per batch)."""
    rounds = [0]

    def score(a: np.ndarray, b: np.ndarray):
        rounds[0] += 1
        tag = str(rounds[0])
        sends = list(_by_part(plan, a.astype(np.int64), b.astype(np.int64)))
        if not sends:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        senders = [i for i, _, _ in sends]
        written = cluster.map("score", _score_first_star, sends, cluster.stage, plan.starts, tag)
        cluster.shuffled("score", written)
        receivers = sorted(set(plan.part_of(b).tolist()))
        out = cluster.map("verify", score_second, receivers, cluster.stage, plan.settings, plan.starts, senders, tag)
        return tuple(np.concatenate([o[x] for o in out]) for x in range(3))
    return score


def _score_first_star(send, stage, starts, tag):
    i, a, b = send
    return score_first(i, stage, starts, a, b, tag)


def expand_groups(member: np.ndarray, rep: np.ndarray, va: np.ndarray, vb: np.ndarray, sim: np.ndarray):
    """Pairs of representatives -> pairs of every member of one exact group with every member of the
    other (:meth:`~.candidates.ExactGroups.expand` over the posts involved).  Returns (a, b, sim)."""
    ends = np.unique(np.concatenate([va, vb]))
    involved = np.isin(rep, ends)
    nodes = np.unique(np.concatenate([ends, member[involved]]))
    rep_of = nodes.copy()
    at = np.searchsorted(nodes, member[involved])
    rep_of[at] = rep[involved]
    uniq, first, group = np.unique(rep_of, return_index=True, return_inverse=True)
    groups = ExactGroups(group.reshape(-1), np.sort(first), len(uniq))
    ia, ib, isim = groups.expand(np.searchsorted(nodes, va), np.searchsorted(nodes, vb), sim)
    return nodes[ia], nodes[ib], isim


def _gather_groups(cluster: Cluster, plan: Plan) -> dict:
    parts = cluster.map("groups", groups_partition, range(plan.parts), cluster.stage, plan.settings, plan.parts)
    out = {k: np.concatenate([p[k] for p in parts]).astype(np.int64)
           for k in ("exact_a", "exact_b", "member", "rep", "title_a", "title_b")}
    out["title_skipped"] = sum(p["title_skipped"] for p in parts)
    return out


def _candidates(cluster: Cluster, plan: Plan, non_reps: np.ndarray, stats: dict):
    s = cluster.stage
    cluster.shuffled("bands", cluster.map("bands", bands_partition, range(plan.parts), s, plan.settings,
                                          plan.parts, cluster.client.scatter(non_reps, broadcast=True)))
    got = cluster.map("buckets", buckets_partition, range(plan.parts), s, plan.settings, plan.starts)
    stats["skipped_buckets"] = sum(g[0] for g in got)
    cluster.shuffled("buckets", (g[1] for g in got))
    got = cluster.map("candidates", candidates_partition, range(plan.parts), s, plan.settings, plan.starts)
    stats["lsh_candidates"] = sum(g[0] for g in got)
    cluster.shuffled("candidates", (g[1] for g in got))
    kept = cluster.map("jaccard", jaccard_partition, range(plan.parts), s, plan.settings, plan.starts)
    return np.concatenate([k[0] for k in kept]), np.concatenate([k[1] for k in kept])


def _features(cluster: Cluster, plan: Plan, template: np.ndarray) -> None:
    import dask.dataframe as dd
    meta = pd.DataFrame({"part": pd.Series([], dtype="int64"), "posts": pd.Series([], dtype="int64"),
                         "bytes": pd.Series([], dtype="int64")})
    parts = dd.from_map(lambda i: pd.DataFrame({"part": [i]}), list(range(plan.parts)),
                        meta=pd.DataFrame({"part": pd.Series([], dtype="int64")}))
    done = parts.map_partitions(features_partition, cluster.stage, template, plan.settings, plan.parts, meta=meta)
    summary = cluster.compute("features", done)
    cluster.shuffled("features", summary["bytes"])


def _post_rows(cluster: Cluster, plan: Plan, pos: np.ndarray) -> Features:
    """A :class:`Features` (ids, titles, keys) of the positions ``pos`` (sorted, unique)."""
    sends = [(i, r["pos"]) for i, r in split_by(plan.part_of(pos), plan.parts, pos=pos) if len(r["pos"])]
    tables = cluster.map("rows", _rows_star, sends, cluster.stage, plan.starts)
    tbl = pa.concat_tables(tables) if tables else None
    n = len(pos)
    if tbl is None:
        return Features.concat([])
    return Features(tbl.column("post_id").combine_chunks(), tbl.column("title").combine_chunks(),
                    tbl.column("article_key").to_numpy(), tbl.column("title_key").to_numpy(),
                    np.zeros(n, np.int64), np.zeros((n, 1), np.uint16))


def _rows_star(send, stage, starts):
    i, pos = send
    return rows_partition(i, stage, starts, pos)


def _state(stage: Stage, parts: int):
    """The posts' incremental state, one partition at a time (read while the run is stored)."""
    for i in range(parts):
        yield stage.read_table(f"features/{i}", columns=["post_id", "sig", "article_key", "title_key"])


def scan(con, settings: Settings, cluster: Cluster, partitions: int | None = None) -> Outcome:
    """The full scan of the posts behind ``con`` on ``cluster``: the same :class:`~.store.Outcome`
    (pairs, state, template) as the local engine's."""
    t0 = time.perf_counter()
    cluster.stats.clear()
    total = int(queries.statement("duplicates/post_count", {}).scalar(con))
    stats: dict = {"posts": total, "compared": total, "engine": "dask"}
    if total == 0:
        return Outcome("full", empty_pairs(), dict(stats, seconds=0.0), [], None, np.zeros(0, np.uint64))
    template = sample_template(con, total, settings)
    stats["template_shingles"] = int(len(template))
    stats["workers"] = cluster.workers
    parts = partitions_for(total, stats["workers"], partitions)
    t1 = time.perf_counter()
    starts, nbytes = export_posts(con, cluster.stage, total, parts, settings.chunk_rows)
    plan = Plan(starts, settings)
    stats.update(partitions=plan.parts, t_template=round(t1 - t0, 3), t_export=round(time.perf_counter() - t1, 3))
    cluster.shuffled("posts", [nbytes])

    _features(cluster, plan, template)
    groups = _gather_groups(cluster, plan)
    stats["large_title_groups"] = groups["title_skipped"]
    non_reps = np.unique(groups["member"][groups["member"] != groups["rep"]])
    va, vb = _candidates(cluster, plan, non_reps, stats)
    va, vb, sim, scored = verify_with_closure(va, vb, total, cluster_score(cluster, plan), settings)
    stats["verified"] = int(scored)

    t2 = time.perf_counter()
    ia, ib, isim = expand_groups(groups["member"], groups["rep"], va, vb, sim)
    every = np.unique(np.concatenate([groups["exact_a"], groups["exact_b"], ia, ib, groups["title_a"],
                                      groups["title_b"]]))
    feats = _post_rows(cluster, plan, every)
    at = lambda x: np.searchsorted(every, x)  # noqa: E731
    lo, hi, all_sim, kind = combine_pairs(feats, settings, (at(groups["exact_a"]), at(groups["exact_b"])),
                                          (at(ia), at(ib), isim), (at(groups["title_a"]), at(groups["title_b"])))
    pairs = pairs_frame(feats, lo, hi, all_sim, kind)
    stats["pairs"] = int(len(pairs))
    stats["t_expand"] = round(time.perf_counter() - t2, 3)
    stats.update(cluster.stats)
    stats["seconds"] = round(time.perf_counter() - t0, 3)
    return Outcome("full", pairs, stats, _state(cluster.stage, plan.parts), None, template)


def scanner(cluster: Cluster, partitions: int | None = None):
    """A ``scan_full`` for :func:`.store.refresh` that runs on ``cluster``."""
    return lambda con, settings: scan(con, settings, cluster, partitions)
