-- name: export/import_files
-- The import ledger: every file seen by every import batch, with its outcome.
SELECT f.batch_id, b.started_at AS batch_started_at, b.source AS batch_source, f.source_file,
       f.sha256, f.size_bytes, f.outcome, f.post_id, f.warnings, f.message, f.recorded_at
FROM import_files f
LEFT JOIN import_batches b USING (batch_id)
ORDER BY f.batch_id, f.recorded_at, f.source_file
