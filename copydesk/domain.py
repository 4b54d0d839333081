"""The vocabulary of copydesk: freshness bands, score metrics, queue reasons, states, decisions.

A light module (no pandas, no DuckDB) so that the CLI can offer these as choices without
paying for the heavy imports; every other module takes its constants from here.
"""

from __future__ import annotations

# Freshness bands by review age (copydesk.freshness), in display order.
BANDS = ("fresh", "aging", "stale", "never")
# The recorded scores of a page dump (0-100) and their bands under the policy.
SCORE_METRICS = ("quality", "freshness", "depth", "clarity")
SCORE_BANDS = ("good", "watch", "poor")

# Queue reasons: code -> what the reason means (queries/review/queue_rows.sql words each one).
REASONS = {
    "flagged": "flagged: needs human review",
    "stale_draft": "stale draft (older than stale_after_days)",
    "never_reviewed_draft": "never-reviewed draft",
    "ai_unreviewed": "AI-generated style, never reviewed",
    "needs_update": "status asks for an update",
    "low_score": "a score below its watch threshold",
    "duplicate": "near-duplicate, not the canonical post",
    "no_metadata": "no metadata box",
    "parse_warnings": "parse warnings",
    "freshness_drift": "recorded vs computed freshness drift",
    "content_changed": "content changed since the last decision",
    "computed_quality_low": "computed quality below computed_low, or a thin text",
    "quality_disagreement": "recorded vs computed quality disagree",
    "template_heavy": "mostly template text",
    "metadata_mismatch": "metadata the text contradicts",
}

# Which posts a queue view shows.
STATES = ("open", "decided", "all")

# Review decisions: code -> label.
DECISIONS = {
    "approve": "Approve",
    "needs_edits": "Needs edits",
    "merge": "Merge into another post",
    "unpublish": "Unpublish",
    "snooze": "Snooze until a date",
    "reopen": "Reopen (undo the last decision)",
}

# Queue sort orders: label -> column (the allowed columns are also listed in
# queries/review/queue_page.sql's '-- choose: sort' line; a test keeps the two equal).
SORTS = {
    "priority": "priority",
    "review age": "review_age_days",
    "views": "view_count",
    "computed freshness": "computed_freshness",
    "quality": "score_quality",
    "last reviewed": "last_reviewed",
    "post id": "post_id",
    "title": "title",
    "site": "site",
}
DIRECTIONS = ("DESC", "ASC")

# Near-duplicate verdicts an editor can record.
VERDICTS = ("canonical", "not_duplicate")

# The demo database `make run` builds: synthetic posts and the seed of the bundled sample.
DEMO_POSTS = 3000
DEMO_SEED = 7
