"""Stage 3: score candidate pairs with rapidfuzz, and close components of verified pairs.

``similarity = max(ratio, token_sort_ratio)`` of the normalised articles, 0-100;
articles over ``long_chars`` use :func:`long_similarity` (linear time).  The articles
come from a ``fetch`` callable (sorted post positions -> normalised articles), so the
same code verifies pairs from a database, a DataFrame or a partition of a cluster.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

import numpy as np
from rapidfuzz import fuzz, process

from .arrays import no_pairs, pairs_within_runs, runs
from .clusters import connected_components
from .settings import DEFAULT, Settings

Fetch = Callable[[np.ndarray], list[str]]
"""Normalised articles of the given (sorted, unique) post positions, in that order."""


def similarity(article_a: str, article_b: str) -> float:
    """The pair score on normalised articles: max(ratio, token_sort_ratio), 0-100.

    ``ratio`` rewards light edits in place; ``token_sort_ratio`` (the same words in
    sorted order) is indifferent to reordered sections.
    """
    return float(max(fuzz.ratio(article_a, article_b), fuzz.token_sort_ratio(article_a, article_b)))


def score_pairs(art_a: list[str], art_b: list[str], cutoff: float = 0.0) -> np.ndarray:
    """Vectorised :func:`similarity` over aligned lists of normalised articles (rapidfuzz cpdist, all cores)."""
    if len(art_a) == 0:
        return np.zeros(0, np.float64)
    kw = dict(workers=-1, dtype=np.float32)
    if cutoff:
        kw["score_cutoff"] = cutoff
    s1 = process.cpdist(art_a, art_b, scorer=fuzz.ratio, **kw)
    s2 = process.cpdist(art_a, art_b, scorer=fuzz.token_sort_ratio, **kw)
    return np.maximum(s1, s2).astype(np.float64)


def long_similarity(a: str, b: str) -> float:
    """Similarity of very long articles: overlap of their word multisets, weighted by length.

    An upper bound of token_sort_ratio that costs linear time; rapidfuzz's quadratic
    scorers would take minutes on multi-megabyte posts.
    """
    ca, cb = Counter(a.split(" ")), Counter(b.split(" "))
    common = sum(min(c, cb[w]) * (len(w) + 1) for w, c in ca.items() if w in cb)
    total = len(a) + len(b) + 2
    return 100.0 * 2 * common / total if total else 100.0


def title_similarity(titles_a: list[str], titles_b: list[str]) -> np.ndarray:
    """``ratio`` of aligned normalised titles, 0-100 (all cores)."""
    if not len(titles_a):
        return np.zeros(0)
    return process.cpdist(titles_a, titles_b, scorer=fuzz.ratio, workers=-1, dtype=np.float32).astype(np.float64)


def length_ok(length: np.ndarray, a: np.ndarray, b: np.ndarray, floor: float):
    """The pairs whose lengths alone do not rule out the floor.

    Lossless: ratio and token_sort_ratio are <= 200*min(la, lb)/(la + lb).
    """
    la, lb = length[a], length[b]
    keep = 200.0 * np.minimum(la, lb) >= floor * np.maximum(la + lb, 1)
    return a[keep], b[keep]


def score_articles(articles: list[str], ia: np.ndarray, ib: np.ndarray, is_long: np.ndarray,
                   floor: float) -> np.ndarray:
    """Similarity of the pairs (articles[ia[i]], articles[ib[i]]); 0 below ``floor``.

    Pairs marked ``is_long`` are scored by :func:`long_similarity`, the rest by
    :func:`score_pairs` in one call."""
    out = np.zeros(len(ia))
    for i in np.flatnonzero(is_long):
        out[i] = long_similarity(articles[ia[i]], articles[ib[i]])
    short = np.flatnonzero(~is_long)
    out[short] = score_pairs([articles[i] for i in ia[short]], [articles[i] for i in ib[short]], cutoff=floor)
    return out


def verify(va: np.ndarray, vb: np.ndarray, length: np.ndarray, fetch: Fetch,
           settings: Settings = DEFAULT) -> np.ndarray:
    """Similarity of the candidate pairs (va[i], vb[i]) of post positions; 0 below the floor.

    Pairs are scored ``verify_chunk`` at a time; only the articles of one chunk are
    held in memory (``fetch``-ed by position).
    """
    sim = np.zeros(len(va), np.float64)
    order = np.argsort(va, kind="stable")
    for s in range(0, len(order), settings.verify_chunk):
        idx = order[s: s + settings.verify_chunk]
        a, b = va[idx], vb[idx]
        needed = np.unique(np.concatenate([a, b]))
        articles = fetch(needed)
        is_long = np.maximum(length[a], length[b]) > settings.long_chars
        sim[idx] = score_articles(articles, np.searchsorted(needed, a), np.searchsorted(needed, b), is_long,
                                  settings.floor)
        del articles
    return sim


def closure_pairs(a: np.ndarray, b: np.ndarray, n: int, max_size: int):
    """Pairs inside connected components of the edges (a, b) that are not edges yet.

    Two light edits of one article may share too little to meet in an LSH bucket,
    yet both are close to their source: comparing within components finds them.
    """
    if len(a) == 0:
        return no_pairs()
    nodes = np.unique(np.concatenate([a, b]))
    ia, ib = np.searchsorted(nodes, a), np.searchsorted(nodes, b)
    root = connected_components(ia, ib, len(nodes))
    size = np.bincount(root, minlength=len(nodes))
    ok = size[root] <= max_size
    order = np.argsort(root[ok], kind="stable")
    members = np.flatnonzero(ok)[order]
    start, sz = runs(root[members])
    multi = sz >= 3
    pa_, pb_ = pairs_within_runs(members, start[multi], sz[multi])
    if len(pa_) == 0:
        return no_pairs()
    x, y = nodes[pa_], nodes[pb_]
    lo, hi = np.minimum(x, y), np.maximum(x, y)
    code = lo.astype(np.int64) * n + hi
    have = np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b)
    new = ~np.isin(code, have)
    return lo[new], hi[new]


Score = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]
"""Scores candidate pairs (a, b) of post positions: returns (a, b, sim) of the pairs the length bound keeps
(:func:`length_ok`), each with its similarity (0 below the floor).  :func:`local_score` scores in this
process; the Dask engine scores the same way on the workers that hold the articles."""


def local_score(length: np.ndarray, fetch: Fetch, settings: Settings = DEFAULT) -> Score:
    """A :data:`Score` over ``length`` and ``fetch`` in this process (:func:`length_ok`, then :func:`verify`)."""
    def score(a: np.ndarray, b: np.ndarray):
        a, b = length_ok(length, a, b, settings.floor)
        return a, b, verify(a, b, length, fetch, settings)
    return score


def verify_with_closure(va: np.ndarray, vb: np.ndarray, n: int, score: Score, settings: Settings = DEFAULT):
    """Verify the candidates, then (twice at most) the new pairs inside components of the verified
    ones, each batch through ``score``.  Returns (a, b, sim, scored): the pairs at/above the floor and
    how many pairs were scored."""
    va, vb, sim = score(va, vb)
    keep = sim >= settings.floor
    scored = len(keep)
    va, vb, sim = va[keep], vb[keep], sim[keep]
    for _round in range(2):
        xa, xb = closure_pairs(va, vb, n, settings.closure_max)
        if len(xa) == 0:
            break
        xa, xb, xs = score(xa, xb)
        scored += len(xs)
        k = xs >= settings.floor
        va, vb, sim = np.concatenate([va, xa[k]]), np.concatenate([vb, xb[k]]), np.concatenate([sim, xs[k]])
    return va, vb, sim, scored
