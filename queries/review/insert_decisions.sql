-- name: review/insert_decisions
-- Append decisions from the registered DataFrame new_decisions; the content hash defaults to the post's current one.
-- input: new_decisions
INSERT INTO review_decisions
    (post_id, decision, note, reviewer, assignee, merge_into, snooze_until, decided_at, content_hash)
SELECT n.post_id, n.decision, n.note, n.reviewer, n.assignee, n.merge_into, n.snooze_until::DATE,
       n.decided_at::TIMESTAMP, coalesce(n.content_hash, p.source_sha256)
FROM new_decisions AS n
LEFT JOIN posts AS p ON p.post_id = n.post_id
RETURNING decision_id
