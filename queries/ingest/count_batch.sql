-- name: ingest/count_batch
-- Add the outcome counts of the chunks of one transaction to their batch.
UPDATE import_batches SET
    files_seen = files_seen + $files_seen,
    imported = imported + $imported,
    updated = updated + $updated,
    unchanged = unchanged + $unchanged,
    rejected = rejected + $rejected,
    warnings = warnings + $warnings
WHERE batch_id = $batch_id
