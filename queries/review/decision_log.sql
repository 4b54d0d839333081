-- name: review/decision_log
-- Every decision, newest first; only one post's when $post_id is not NULL.
SELECT decision_id, post_id, decision, note, reviewer, assignee, merge_into, snooze_until, decided_at, content_hash
FROM review_decisions
WHERE $post_id::VARCHAR IS NULL OR post_id = $post_id::VARCHAR
ORDER BY decision_id DESC
