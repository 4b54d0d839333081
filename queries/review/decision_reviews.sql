-- name: review/decision_reviews
-- The day of each post's latest approve / needs_edits decision up to $as_of: a decision that counts as a review.
SELECT post_id, max(decided_at)::DATE AS decision_reviewed
FROM review_decisions
WHERE decision IN ('approve', 'needs_edits') AND decided_at::DATE <= $as_of::DATE
GROUP BY post_id
