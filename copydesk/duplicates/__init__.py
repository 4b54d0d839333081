"""Near-duplicate posts at corpus scale.

Two posts are *near-duplicates* when their article text (title + body) is
essentially the same text: light word edits, reordered sections, changes of case
and whitespace and any difference in metadata are allowed.  The engine never
compares all pairs:

1. **Normalise** (:func:`normalise_arrow`, numpy over the UTF-8 bytes): title +
   body, lowercase, bullets at line starts stripped, whitespace (incl. no-break
   spaces) collapsed to one space.
2. **Exact duplicates**: posts with the same normalised article (DuckDB ``hash``)
   form a group; one representative per group goes on, pairs inside a group are
   ``exact``.
3. **Shingles and template removal**: word 3-shingles, hashed with a polynomial
   prefix hash in numpy.  Shingles present in more than ``common_share`` of a
   sample of posts (boilerplate intros/closings, headings) are dropped, so shared
   template text cannot pull unrelated posts together.
4. **Candidates**: a one-permutation MinHash signature (``bins`` bins, rotation
   densified, 16 bits per bin) per post; ``bands`` LSH bands, each an AND of
   ``rows`` pseudo-randomly chosen bins.  Posts sharing a band bucket are
   candidates; a candidate whose signatures agree on fewer than ``min_jaccard`` of
   the bins, or whose lengths alone rule out the floor, is dropped.
5. **Verification** with rapidfuzz ``process.cpdist(workers=-1)``:
   ``similarity = max(ratio, token_sort_ratio)`` of the normalised articles on the
   0-100 scale (``ratio`` rewards light edits in place, ``token_sort_ratio`` is
   indifferent to reordered sections).  Articles over ``long_chars`` characters
   use :func:`long_similarity` (linear time) instead.
6. **Closure**: members of a connected component of verified pairs are compared
   with each other (two light edits of one source may not meet in a bucket).
7. **Clusters**: union-find over pairs at or above the threshold that no editor
   rejected; the suggested canonical post is the one with the best quality, then
   freshness, then views (or the one an editor confirmed).

Title duplicates (same normalised title, article similarity below the threshold,
or never scored) are reported as ``kind = 'title'``.

The modules follow the stages; the first four take and return arrays or DataFrames
and never touch a database, so they can run wherever the posts are:

* :mod:`.shingles` — normalising, hash keys, shingles, template shingles, MinHash
  signatures: the per-post :class:`Features` of a chunk of posts (1, 3, 4);
* :mod:`.candidates` — exact groups, LSH bands and buckets, title groups (2, 4);
* :mod:`.verify` — rapidfuzz scoring, the length bound, closure (5, 6);
* :mod:`.clusters` — connected components and the canonical choice (7);
* :mod:`.engine` — the stages in order, from features to one pairs table;
* :mod:`.source` — posts and articles read from DuckDB (:func:`find_pairs`,
  :func:`find_duplicates_df`);
* :mod:`.store` — runs against a copydesk database: :func:`refresh` (full or
  incremental; computed first, then written in one transaction), storage of pairs,
  signatures and state, :func:`rebuild_clusters`;
* :mod:`.dask_engine` — a full scan on a Dask cluster: the same stage functions, one
  partition of posts at a time, shuffles through a stage folder (``refresh(con,
  scan_full=dask_engine.scanner(cluster))``);
* :mod:`.verdicts` — editors' verdicts and the pairs CSV;
* :mod:`.view` — what the Duplicates page shows (word diff, pair view, clusters);
* :mod:`.settings` and :mod:`.arrays` — settings, kinds, verdicts; shared numpy helpers.

:func:`find_pairs` takes a DuckDB connection with a ``posts`` relation (a copydesk
database, or a DataFrame via :func:`find_duplicates_df`) and returns a pairs
DataFrame; :func:`refresh` stores results in the database, fully or incrementally
(only new and changed posts are compared against the rest).
"""

from __future__ import annotations

import importlib

from .. import hooks, queries
from .settings import DEFAULT, KINDS, VERDICTS, Settings

# The rest is imported on first use (PEP 562 ``__getattr__``): the after-import stage below runs in
# every ``copydesk import`` and needs none of it (nor pandas) until detection has run once.
_LAZY = {
    ".candidates": ("band_key", "band_layout", "estimated_jaccard", "group_pairs", "lsh_candidates"),
    ".clusters": ("build_clusters", "connected_components", "suggest_canonical"),
    ".engine": ("Result",),
    ".shingles": ("Features", "chunk_keys", "features", "normalise", "normalise_arrow", "shingle_hashes",
                  "signatures", "template_shingles"),
    ".source": ("find_duplicates_df", "find_pairs", "memory_connection"),
    ".store": ("rebuild_clusters", "refresh"),
    ".verdicts": ("export_csv", "record_verdict"),
    ".verify": ("long_similarity", "score_pairs", "similarity"),
    ".view": ("clusters_at", "pair_view", "word_diff"),
}
_MODULE_OF = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_MODULE_OF})


__all__ = [
    "DEFAULT", "KINDS", "VERDICTS", "Features", "Result", "Settings", "after_import", "band_key", "band_layout",
    "build_clusters", "chunk_keys", "clusters_at", "connected_components", "estimated_jaccard", "export_csv",
    "features", "find_duplicates_df", "find_pairs", "group_pairs", "long_similarity", "lsh_candidates",
    "memory_connection", "normalise", "normalise_arrow", "pair_view", "rebuild_clusters", "record_verdict",
    "refresh", "score_pairs", "shingle_hashes", "signatures", "similarity", "suggest_canonical",
    "template_shingles", "word_diff",
]


@hooks.after_import(order=20)
def after_import(con, batch_id: int | None = None, settings: Settings = DEFAULT) -> dict | None:
    """Import hook: compare the new and changed posts, when duplicate detection has run before.

    Does nothing on a database where ``copydesk duplicates`` never ran (the first run
    is a deliberate full one).  An after-import stage (``copydesk.hooks``).
    """
    if not queries.run(con, "duplicates/last_full_run").fetchall():
        return None
    from .store import refresh
    return refresh(con, settings, incremental=True)
