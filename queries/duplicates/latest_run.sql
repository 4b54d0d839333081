-- name: duplicates/latest_run
-- The latest duplicate detection run of any mode.
SELECT * FROM duplicate_runs ORDER BY run_id DESC LIMIT 1;
