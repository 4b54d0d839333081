-- name: ingest/reset_threads
-- Give the import connection all DuckDB threads again for the after-import work (quality, duplicates, trend snapshot) in a database of at least a row group of revisions (below that DuckDB reads each table on one thread, and the import keeps its one).
RESET threads
