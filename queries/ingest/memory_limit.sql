-- name: ingest/memory_limit
-- Cap DuckDB's memory for an import connection (COPYDESK_IMPORT_MEMORY, default 1GB) so memory stays flat.
SET memory_limit = $limit
