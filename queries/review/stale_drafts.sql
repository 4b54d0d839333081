-- name: review/stale_drafts
-- Drafts (policy draft statuses) whose last review is older than the policy allows, or that were never reviewed.
-- part: post_freshness = review/post_freshness
SELECT post_id, site, title, status, stack, difficulty, last_reviewed, effective_last_reviewed, review_age_days,
       computed_freshness, band, score_freshness, freshness_gap, view_count, stale_after_days
FROM {{post_freshness}} AS f
WHERE list_contains($draft_statuses::VARCHAR[], status_key)
  AND band IN ('stale', 'never')
ORDER BY review_age_days DESC NULLS FIRST, post_id
