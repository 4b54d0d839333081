-- name: review/today
-- The next $limit open posts for one reviewer: assigned to them first, then by priority (the Review page's "Today" view).
-- part: queue_keys = review/queue_keys
SELECT post_id
FROM {{queue_keys}} AS k
ORDER BY coalesce(assignee = $reviewer, false) DESC, priority DESC, post_id
LIMIT $limit
