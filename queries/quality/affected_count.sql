-- name: quality/affected_count
-- How many posts the last scoring step covered (the rows of quality_affected).
SELECT count(*) FROM quality_affected
