-- name: review-tables-present
-- Which of the named tables (or views) exist in the database.
SELECT table_name FROM duckdb_tables() WHERE list_contains($names::VARCHAR[], table_name)
UNION
SELECT view_name FROM duckdb_views() WHERE NOT internal AND list_contains($names::VARCHAR[], view_name)
