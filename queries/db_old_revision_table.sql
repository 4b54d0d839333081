-- name: db-old-revision-table
-- Whether the database still has the first layout, where post_revisions was a table holding every revision (then migrate-revision-archive runs).
SELECT count(*) > 0
FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'post_revisions'
