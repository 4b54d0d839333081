-- name: overview/import_history
-- Import batches, newest first, with their outcome counts (and why a failed one failed).
SELECT batch_id, started_at, finished_at, status, source, files_seen, imported, updated, unchanged, rejected, warnings,
       message
FROM import_batches
ORDER BY batch_id DESC
LIMIT $limit
