-- name: duplicates/runs_recent
-- The most recent duplicate detection runs.
SELECT run_id, mode, finished_at, posts, compared, candidates, verified, pairs, clusters, threshold, floor, seconds
FROM duplicate_runs
ORDER BY run_id DESC
LIMIT $limit;
