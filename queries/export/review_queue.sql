-- name: export/review_queue
-- The review queue ({{queue_rows}} = copydesk.queue.queue_sql) flat, for bulk export: streamed, not sorted (memory stays flat).
-- part: queue_rows = review/queue_rows
SELECT post_id, site, title, status, difficulty, stack,
       priority, reasons_text AS reasons, review_age_days, last_reviewed, computed_freshness, band,
       score_quality, score_freshness, score_depth, score_clarity, view_count,
       duplicate_of, duplicate_similarity, last_decision, last_reviewer, last_decided_at, assignee
FROM {{queue_rows}} AS q
