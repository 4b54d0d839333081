-- name: duplicates/template
-- The template shingles fixed by the last full run.
SELECT shingle FROM duplicate_template ORDER BY shingle;
