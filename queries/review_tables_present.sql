-- name: review-tables-present
-- Which of the named tables exist in the database.
SELECT table_name FROM duckdb_tables() WHERE list_contains($names::VARCHAR[], table_name)
