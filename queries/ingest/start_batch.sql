-- name: ingest/start_batch
-- Open a new import batch and return its id.
INSERT INTO import_batches (batch_id, started_at, source, status)
SELECT coalesce(max(batch_id), 0) + 1, $started_at, $source, 'running' FROM import_batches
RETURNING batch_id
