-- name: quality/missing_count
-- How many current revisions have no quality signals yet (what the after-import stage will analyse).
SELECT count(*)
FROM posts AS p
ANTI JOIN quality_signals AS s ON s.revision_id = p.revision_id
