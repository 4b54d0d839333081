-- name: export/decisions
-- Every review decision, oldest first; only decisions on the filtered posts ({{posts}}) when $filtered.
-- part: posts = review/post_freshness
WITH f AS (SELECT post_id FROM {{posts}})
SELECT d.decision_id, d.post_id, p.site, p.title, d.decision, d.note, d.reviewer, d.assignee,
       d.merge_into, d.snooze_until, d.decided_at, d.content_hash
FROM review_decisions d
LEFT JOIN posts p USING (post_id)
WHERE NOT $filtered OR d.post_id IN (SELECT post_id FROM f)
ORDER BY d.decision_id
