"""The stages in order: features of every post -> exact groups, LSH candidates -> verified pairs ->
one pairs table (exact > near > title).

:func:`pairs_from_features` holds no database: it takes the posts' :class:`Features` and a
``fetch`` of normalised articles (see :mod:`.verify`) and returns a :class:`Result`.
"""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from .candidates import estimated_jaccard, exact_groups, exact_pairs, lsh_candidates, title_pairs, touching
from .settings import Settings
from .shingles import Features
from .verify import Fetch, length_ok, local_score, title_similarity, verify_with_closure


@dataclass
class Result:
    """Pairs found by :func:`find_pairs` and how the run went."""

    pairs: pd.DataFrame
    stats: dict = field(default_factory=dict)


def empty_pairs() -> pd.DataFrame:
    """A pairs table without rows (the columns and types of :attr:`Result.pairs`)."""
    return pd.DataFrame({
        "post_id_a": pd.Series([], dtype=object), "post_id_b": pd.Series([], dtype=object),
        "similarity": pd.Series([], dtype="float64"), "title_similarity": pd.Series([], dtype="float64"),
        "kind": pd.Series([], dtype=object)})


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux ru_maxrss is in KB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def pairs_from_features(feats: Features, fetch: Fetch, settings: Settings, stats: dict,
                        focus: np.ndarray | None = None) -> Result:
    """Candidates -> verified pairs -> the pairs table; timings and counts go into ``stats``.

    With ``focus`` (bool per post) only pairs touching a focus post are returned.
    """
    t2 = time.perf_counter()
    groups = exact_groups(feats.article_key)
    ex_a, ex_b = exact_pairs(feats.article_key, settings, focus)
    va, vb = candidate_pairs(feats, groups, settings, stats, focus)
    t3 = time.perf_counter()
    stats["t_candidates"] = round(t3 - t2, 3)
    stats["rss_mb_candidates"] = rss_mb()

    va, vb, sim, scored = verify_with_closure(va, vb, len(feats), local_score(feats.length, fetch, settings),
                                                settings)
    stats["verified"] = int(scored)
    stats["rss_mb_verify"] = rss_mb()
    t4 = time.perf_counter()
    stats["t_verify"] = round(t4 - t3, 3)

    ia, ib, isim = touching(focus, *groups.expand(va, vb, sim))
    ta, tb, tskip = title_pairs(feats.title_key, feats.article_key, feats.length, settings, focus)
    stats["large_title_groups"] = int(tskip)
    lo, hi, all_sim, kind = combine_pairs(feats, settings, (ex_a, ex_b), (ia, ib, isim), (ta, tb))
    pairs = pairs_frame(feats, lo, hi, all_sim, kind)
    stats["pairs"] = int(len(pairs))
    stats["t_expand"] = round(time.perf_counter() - t4, 3)
    return Result(pairs, stats)


def candidate_pairs(feats: Features, groups, settings: Settings, stats: dict, focus: np.ndarray | None = None):
    """LSH candidates among the exact groups' representatives, less those whose signatures agree on
    fewer than ``min_jaccard`` of the bins or whose lengths rule out the floor."""
    reps = groups.reps
    ca, cb, skipped = lsh_candidates(feats.sig[reps], settings, focus=groups.rep_focus(focus))
    ca, cb = reps[ca], reps[cb]
    stats["lsh_candidates"] = int(len(ca))
    stats["skipped_buckets"] = int(skipped)
    keep = estimated_jaccard(feats.sig, ca, cb) >= settings.min_jaccard
    return length_ok(feats.length, ca[keep], cb[keep], settings.floor)


def combine_pairs(feats: Features, settings: Settings, exact, verified, titles):
    """One row per pair of posts from the exact (a, b), verified (a, b, sim) and title (a, b) pairs,
    the first source winning; returns (lo, hi, similarity, kind) with lo < hi.

    kind: ``exact`` (same article, similarity 100), ``title`` (same title, below the
    threshold or never scored) or ``near``.
    """
    ex_a, ex_b = exact
    ia, ib, isim = verified
    ta, tb = titles
    all_a = np.concatenate([ex_a, ia, ta])
    all_b = np.concatenate([ex_b, ib, tb])
    all_sim = np.concatenate([np.full(len(ex_a), 100.0), isim, np.full(len(ta), np.nan)])
    prio = np.concatenate([np.zeros(len(ex_a), np.int8), np.ones(len(ia), np.int8), np.full(len(ta), 2, np.int8)])
    lo, hi = np.minimum(all_a, all_b), np.maximum(all_a, all_b)
    code = lo.astype(np.int64) * len(feats) + hi
    order = np.lexsort((prio, code))
    code = code[order]
    first = np.ones(len(code), dtype=bool)
    first[1:] = code[1:] != code[:-1]
    sel = order[first]
    lo, hi, all_sim = lo[sel], hi[sel], all_sim[sel]
    exact_ = feats.article_key[lo] == feats.article_key[hi]
    same_title = feats.title_key[lo] == feats.title_key[hi]
    below = np.isnan(all_sim) | (all_sim < settings.threshold)
    kind = np.where(exact_, "exact", np.where(same_title & below, "title", "near"))
    return lo, hi, np.where(exact_, 100.0, all_sim), kind


def pairs_frame(feats: Features, lo: np.ndarray, hi: np.ndarray, sim: np.ndarray, kind: np.ndarray) -> pd.DataFrame:
    """The pairs table: post ids (post_id_a < post_id_b by string order), similarity, title similarity,
    kind; sorted by the ids."""
    tsim = title_similarity(feats.title.take(pa.array(lo)).to_pylist(), feats.title.take(pa.array(hi)).to_pylist())
    id_a = feats.post_id.take(pa.array(lo)).to_numpy(zero_copy_only=False).astype(object)
    id_b = feats.post_id.take(pa.array(hi)).to_numpy(zero_copy_only=False).astype(object)
    swap = id_a > id_b
    id_a, id_b = np.where(swap, id_b, id_a), np.where(swap, id_a, id_b)
    pairs = pd.DataFrame({
        "post_id_a": pd.Series(id_a, dtype=object),
        "post_id_b": pd.Series(id_b, dtype=object),
        "similarity": np.round(sim, 2),
        "title_similarity": np.round(tsim, 2),
        "kind": pd.Series(kind, dtype=object),
    })
    return pairs.sort_values(["post_id_a", "post_id_b"], ignore_index=True)
