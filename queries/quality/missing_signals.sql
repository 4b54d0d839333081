-- name: quality/missing_signals
-- The current revisions that have no quality signals yet, with what the per-post signals read (body, meta checklist).
SELECT p.revision_id, p.body, p.checklist
FROM posts AS p
ANTI JOIN quality_signals AS s ON s.revision_id = p.revision_id
