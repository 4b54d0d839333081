-- name: trends/delete_site_snapshot
-- Remove one batch's per-site snapshot rows (before re-recording them).
DELETE FROM batch_site_metrics WHERE batch_id = $batch_id
