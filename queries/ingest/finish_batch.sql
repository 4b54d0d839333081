-- name: ingest/finish_batch
-- Close an import batch with its final status (finished | interrupted | failed).
UPDATE import_batches SET finished_at = $finished_at, status = $status WHERE batch_id = $batch_id
