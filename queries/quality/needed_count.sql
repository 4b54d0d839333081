-- name: quality/needed_count
-- How many template sentences still need their text recorded (rows of quality_needed_texts).
SELECT count(*) FROM quality_needed_texts
