"""The engine's settings, pair kinds and verdicts (shared by every stage)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

KINDS = ("exact", "near", "title")
VERDICTS = ("not_duplicate", "duplicate", "canonical")


@dataclass(frozen=True)
class Settings:
    """Engine settings; every one is recorded with each run."""

    threshold: float = 90.0        # pairs at/above are duplicates (clusters, CSV)
    floor: float = 80.0            # pairs at/above are stored (the page slider's range)
    shingle_words: int = 3         # words per shingle
    bins: int = 128                # one-permutation MinHash bins per post
    bands: int = 100               # LSH bands ...
    rows: int = 6                  # ... each an AND of this many bins
    common_share: float = 0.1      # a shingle in more than this share of posts is template ...
    common_min_posts: int = 10     # ... and in at least this many posts
    sample_size: int = 5_000       # posts sampled to find template shingles
    max_bucket: int = 300          # larger LSH buckets are skipped (counted in stats)
    title_group_max: int = 10      # same-title groups up to this size get all pairs, larger a star
    exact_group_max: int = 1000    # the same for groups of identical articles
    min_jaccard: float = 0.4       # candidates whose signatures agree on fewer bins are dropped
    closure_max: int = 60          # components up to this size are compared member by member
    long_chars: int = 30_000       # articles longer than this are compared by word multiset
    chunk_rows: int = 4_096        # posts per streamed chunk
    verify_chunk: int = 25_000     # candidate pairs scored per batch (their articles are in memory)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


DEFAULT = Settings()


def engine_settings(settings: Settings) -> dict:
    """The settings that shape signatures and pairs (an incremental run must match them)."""
    d = asdict(settings)
    for k in ("threshold", "chunk_rows", "verify_chunk"):
        d.pop(k, None)
    return d
