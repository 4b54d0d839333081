-- name: ingest/reset_threads
-- Give the import connection all DuckDB threads again (for the after-import work: duplicates, trend snapshot).
RESET threads
