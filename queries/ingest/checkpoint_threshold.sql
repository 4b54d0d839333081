-- name: ingest/checkpoint_threshold
-- Set the WAL size at which DuckDB checkpoints: larger during an import (fewer checkpoints), 0 for its last commit (its rows go to the database file at once instead of to the WAL first and to the file again when the connection closes).
SET checkpoint_threshold = $size
