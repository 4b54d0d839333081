-- name: review/queue_export
-- The review queue under the filters, flat (reasons joined with '; '), for CSV download.
-- part: queue_rows = review/queue_rows
SELECT post_id, site, title, status, difficulty, array_to_string(stack, ', ') AS stack,
       priority, main_reason, reasons_text AS reasons, review_age_days, last_reviewed, effective_last_reviewed,
       computed_freshness, band,
       score_quality, score_freshness, score_depth, score_clarity, view_count,
       duplicate_of, duplicate_similarity, last_decision, last_reviewer, last_decided_at, assignee
FROM {{queue_rows}} AS q
ORDER BY priority DESC, post_id
