-- name: ingest/finish_batch
-- Close an import batch with its final status (finished | interrupted | failed) and, when it failed, why.
UPDATE import_batches SET finished_at = $finished_at, status = $status, message = $message WHERE batch_id = $batch_id
