-- name: trends/latest_batch
-- The most recent import batch (for an export's provenance).
SELECT batch_id, started_at, finished_at, source, status
FROM import_batches
ORDER BY batch_id DESC
LIMIT 1
