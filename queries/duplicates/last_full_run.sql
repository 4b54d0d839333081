-- name: duplicates/last_full_run
-- The latest full duplicate run (its settings decide whether an incremental run is possible).
SELECT run_id, settings, threshold, floor FROM duplicate_runs WHERE mode = 'full' ORDER BY run_id DESC LIMIT 1;
