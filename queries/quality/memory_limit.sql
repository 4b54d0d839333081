-- name: quality/memory_limit
-- Cap DuckDB's memory for a full quality recomputation (copydesk quality; COPYDESK_QUALITY_MEMORY, default 1GB): at 1M posts 1.7 GB peak instead of 3.6 GB, 8 s either way.
SET memory_limit = $limit
