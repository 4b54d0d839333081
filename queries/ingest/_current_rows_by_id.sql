-- name: ingest/_current_rows_by_id
-- The current rows listed by revision id in chunk_current (an import into an empty database knows the current revision of each post it wrote): DuckDB skips every row group but theirs.
-- input: chunk_current
SELECT post_id, version, last_reviewed, imported_at
FROM post_revisions
WHERE revision_id IN (SELECT revision_id FROM chunk_current)
