-- name: db-posts-table
-- Whether the database has the first layout, where posts was a table holding a second copy of every current revision (then migrate-posts-view runs).
SELECT count(*) > 0
FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'posts'
