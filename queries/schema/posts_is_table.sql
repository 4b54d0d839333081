-- name: schema/posts_is_table
-- Whether the database has the first layout, where posts was a table holding a second copy of every current revision (then schema/migrate_posts_view runs).
SELECT count(*) > 0
FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'posts'
