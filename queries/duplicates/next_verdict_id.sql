-- name: duplicates/next_verdict_id
-- The id for a new editor verdict.
SELECT coalesce(max(verdict_id), 0) + 1 FROM duplicate_verdicts;
