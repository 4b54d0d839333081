"""Stage 2: which pairs of posts are worth scoring.

* **Exact groups** (:func:`exact_groups`, :func:`exact_pairs`): posts with the same
  normalised article; one representative per group goes on to LSH, the pairs inside
  a group are ``exact``.
* **LSH** (:func:`band_layout`, :func:`band_key`, :func:`bucket_pairs`,
  :func:`lsh_candidates`): ``bands`` bands, each an AND of ``rows`` MinHash bins; posts
  whose keys agree in one band share a bucket and are candidates.  A band key depends
  only on one post's signature, so keys can be computed per partition and pairs per
  bucket after grouping the keys anywhere.
* **Title groups** (:func:`title_pairs`): same normalised title, different article.

Every function takes and returns numpy arrays of post positions; none touches a database.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import P2, mix, pairs_within_runs, runs
from .settings import DEFAULT, Settings


def group_pairs(keys: np.ndarray, max_group: int | None = None, star_beyond: bool = False):
    """Pairs (i < j) of positions with equal ``keys``.

    Groups larger than ``max_group`` are skipped, or (``star_beyond``) linked to
    their first member only.  Returns (a, b, skipped_groups).
    """
    order = np.argsort(keys, kind="stable")
    start, size = runs(keys[order])
    multi = size >= 2
    start, size = start[multi], size[multi]
    skipped = 0
    if max_group is not None:
        big = size > max_group
        skipped = int(big.sum())
        if star_beyond and skipped:
            bs, bz = start[big], size[big]
            hub = np.repeat(order[bs], bz - 1)
            offs = np.repeat(bs - (np.cumsum(bz - 1) - (bz - 1)), bz - 1) + np.arange(int((bz - 1).sum())) + 1
            star_a, star_b = hub, order[offs]
        start, size = start[~big], size[~big]
    a, b = pairs_within_runs(order, start, size)
    if max_group is not None and star_beyond and skipped:
        a, b = np.concatenate([a, star_a]), np.concatenate([b, star_b])
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    return lo, hi, skipped


def touching(focus: np.ndarray | None, a: np.ndarray, b: np.ndarray, *aligned: np.ndarray):
    """(a, b, *aligned) restricted to the pairs with a focus post at either end (all when no focus)."""
    if focus is None:
        return (a, b, *aligned)
    m = focus[a] | focus[b]
    return (a[m], b[m], *(x[m] for x in aligned))


# --------------------------------------------------------------------------------------
# exact groups
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExactGroups:
    """Posts with identical normalised articles (equal ``article_key``)."""

    group: np.ndarray      # group index of each post
    reps: np.ndarray       # the first post of each group, ascending: the posts that go on to LSH
    count: int             # number of groups

    def rep_focus(self, focus: np.ndarray | None) -> np.ndarray | None:
        """Focus per representative: its group holds a focus post."""
        if focus is None:
            return None
        focus_group = np.zeros(self.count, dtype=bool)
        focus_group[self.group[focus]] = True
        return focus_group[self.group[self.reps]]

    def expand(self, va: np.ndarray, vb: np.ndarray, sim: np.ndarray):
        """Pairs of representatives -> pairs of every member of one group with every member of
        the other, each with the representatives' similarity.  Returns (a, b, sim)."""
        members_order = np.argsort(self.group, kind="stable")
        gstart = np.searchsorted(self.group[members_order], np.arange(self.count))
        gsize = np.bincount(self.group, minlength=self.count)
        ga, gb = self.group[va], self.group[vb]
        na, nb = gsize[ga], gsize[gb]
        cnt = na * nb
        pair_idx = np.repeat(np.arange(len(va)), cnt)
        within = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        nb_ = nb[pair_idx]
        ia = members_order[gstart[ga][pair_idx] + within // nb_]
        ib = members_order[gstart[gb][pair_idx] + within % nb_]
        return ia, ib, sim[pair_idx]


def exact_groups(article_key: np.ndarray) -> ExactGroups:
    """The exact groups of posts by their article keys."""
    uniq, first_idx, group = np.unique(article_key, return_index=True, return_inverse=True)
    return ExactGroups(group.reshape(-1), np.sort(first_idx), len(uniq))


def exact_pairs(article_key: np.ndarray, settings: Settings = DEFAULT, focus: np.ndarray | None = None):
    """(a, b) pairs inside exact groups (groups over ``exact_group_max`` as a star)."""
    a, b, _ = group_pairs(article_key, max_group=settings.exact_group_max, star_beyond=True)
    return touching(focus, a, b)


def title_pairs(title_key: np.ndarray, article_key: np.ndarray, length: np.ndarray,
                settings: Settings = DEFAULT, focus: np.ndarray | None = None):
    """(a, b, large_groups): same normalised title, different non-empty article (groups over
    ``title_group_max`` as a star, counted in large_groups)."""
    ta, tb, tskip = group_pairs(title_key, settings.title_group_max, star_beyond=True)
    m = (article_key[ta] != article_key[tb]) & (length[ta] > 0)
    if focus is not None:
        m &= focus[ta] | focus[tb]
    return ta[m], tb[m], tskip


# --------------------------------------------------------------------------------------
# LSH
# --------------------------------------------------------------------------------------

def band_layout(settings: Settings = DEFAULT) -> np.ndarray:
    """``(bands, rows)`` bin indices of each LSH band: fixed pseudo-random subsets of the bins.

    Bands may share bins, so there can be more bands than ``bins / rows``; every band is
    still an AND of ``rows`` MinHash agreements (collision probability ~ J ** rows).
    """
    rng = np.random.default_rng(0xBA4D5)
    return np.stack([np.sort(rng.choice(settings.bins, settings.rows, replace=False))
                     for _ in range(settings.bands)])


def band_key(sig: np.ndarray, band: int, layout: np.ndarray) -> np.ndarray:
    """uint32 bucket key of one LSH band for every row of ``sig``; 0 for word-less posts."""
    n = sig.shape[0]
    h = np.full(n, ((band + 1) * int(P2)) & 0xFFFFFFFFFFFFFFFF, dtype=np.uint64)
    for c in layout[band]:
        h = mix(h ^ sig[:, c].astype(np.uint64))
    key = (h >> np.uint64(32)).astype(np.uint32) | np.uint32(1)
    key[sig[:, 0] == 0] = 0
    return key


def bucket_pairs(key: np.ndarray, max_bucket: int, focus: np.ndarray | None = None):
    """(a, b, skipped): pairs of positions that share a bucket of one band's ``key``.

    Buckets over ``max_bucket`` are skipped and counted.  With ``focus`` (bool per
    position) only buckets holding a focus position are grouped and only pairs
    touching one are returned.
    """
    if focus is None:
        return group_pairs(key, max_bucket)
    sel = np.flatnonzero(np.isin(key, np.unique(key[focus])))
    a, c, skipped = group_pairs(key[sel], max_bucket)
    a, c = touching(focus, sel[a], sel[c])
    return a, c, skipped


def lsh_candidates(sig: np.ndarray, settings: Settings = DEFAULT,
                   focus: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Unique pairs (i < j) of rows of ``sig`` that share at least one band bucket.

    Band keys are computed one band at a time (memory stays at the signature matrix).
    Buckets larger than ``max_bucket`` are skipped and counted.  With ``focus`` (bool
    per row) only pairs touching a focus row are returned.
    """
    n = sig.shape[0]
    layout = band_layout(settings)
    valid = np.flatnonzero(sig[:, 0] != 0) if n else np.zeros(0, np.int64)
    valid_focus = None if focus is None else focus[valid]
    codes = []
    skipped = 0
    for b in range(settings.bands):
        a, c, sk = bucket_pairs(band_key(sig[valid], b, layout), settings.max_bucket, valid_focus)
        skipped += sk
        if len(a):
            codes.append(np.unique(valid[a].astype(np.int64) * n + valid[c]))
    if not codes:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), skipped
    code = np.unique(np.concatenate(codes))
    return code // n, code % n, skipped


def rows_sharing_bucket(old_sig: np.ndarray, new_sig: np.ndarray, settings: Settings = DEFAULT) -> np.ndarray:
    """Sorted rows of ``old_sig`` that share an LSH bucket with a row of ``new_sig``."""
    both = np.concatenate([old_sig, new_sig])
    focus = np.zeros(len(both), dtype=bool)
    focus[len(old_sig):] = True
    ca, cb, _ = lsh_candidates(both, settings, focus=focus)
    return np.unique(np.concatenate([ca[ca < len(old_sig)], cb[cb < len(old_sig)]]))


def estimated_jaccard(sig: np.ndarray, a: np.ndarray, b: np.ndarray, chunk: int = 1 << 18) -> np.ndarray:
    """Share of MinHash bins on which rows a[i] and b[i] agree (an estimate of their Jaccard)."""
    out = np.empty(len(a), np.float32)
    for s in range(0, len(a), chunk):
        out[s: s + chunk] = (sig[a[s: s + chunk]] == sig[b[s: s + chunk]]).mean(axis=1)
    return out
