-- name: ingest/threads
-- DuckDB threads for an import connection (COPYDESK_IMPORT_THREADS, default 1): the parser processes already use the other cores.
SET threads = $threads
