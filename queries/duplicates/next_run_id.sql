-- name: duplicates/next_run_id
-- The id for a new duplicate detection run.
SELECT coalesce(max(run_id), 0) + 1 FROM duplicate_runs;
