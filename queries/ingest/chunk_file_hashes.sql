-- name: ingest/chunk_file_hashes
-- The hash of the name of each file of the current chunk (registered as chunk_files), as ingest/file_index hashes them.
-- input: chunk_files
SELECT hash(source_file) AS file_hash FROM chunk_files
