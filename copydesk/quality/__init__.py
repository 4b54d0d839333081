"""copydesk scores quality itself: signals computed from each post's text and the corpus.

* :mod:`copydesk.quality.text` — per-post signals of one article body (pure, fast);
* :mod:`copydesk.quality.signals` — the same for a chunk of revisions, Arrow in and out,
  stored in ``quality_signals``;
* :mod:`copydesk.quality.corpus` — template sentences across the corpus, sub-scores, computed
  quality and findings in DuckDB, updated incrementally after every import (an after-import
  stage, ``order=10``), exposed as the view ``post_quality``.

Definitions, weights and policy keys: README, "Quality signals".
"""

from .corpus import after_import, recompute, summary, update  # noqa: F401  (registers the after-import stage)
