-- name: review/decided_today
-- How many posts one reviewer decided since $since (a UTC timestamp: the start of their day).
SELECT count(DISTINCT post_id) AS posts
FROM review_decisions
WHERE reviewer = $reviewer AND decided_at >= $since
