-- name: quality/forget_batch
-- Drop the computed-quality figures of import batch $batch_id (before they are recorded again).
DELETE FROM quality_batch_metrics WHERE batch_id = $batch_id
