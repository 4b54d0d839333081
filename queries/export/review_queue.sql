-- name: export/review_queue
-- The review queue ({{queue_rows}} = copydesk.queue.queue_sql) for bulk export, highest priority first like the page; reasons stay a list (joined with '; ' in CSV).
-- part: queue_rows = review/queue_rows
SELECT post_id, site, title, status, difficulty, stack,
       priority, main_reason, reasons, review_age_days, last_reviewed, effective_last_reviewed,
       computed_freshness, band,
       score_quality, score_freshness, score_depth, score_clarity, view_count,
       duplicate_of, duplicate_similarity, last_decision, last_reviewer, last_decided_at, assignee
FROM {{queue_rows}} AS q
ORDER BY priority DESC, post_id
