-- name: duplicates/memory_limit
-- Cap DuckDB's memory for a duplicate run (the engine's own arrays need the rest).
SET memory_limit = '1GB';
