-- name: schema/table_names
-- Tables and views of the database (to tell which optional features have data).
SELECT table_name AS name FROM duckdb_tables()
UNION
SELECT view_name FROM duckdb_views() WHERE NOT internal
