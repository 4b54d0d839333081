-- name: ingest/checkpoint_threshold
-- Let the WAL grow larger during an import, so DuckDB checkpoints (compresses and writes row groups) less often.
SET checkpoint_threshold = $size
