-- name: ingest/supersede_revisions
-- Mark the revision of every re-imported (changed) source file (registered as chunk_updated) as no longer live, nor current.
-- input: chunk_updated
UPDATE post_revisions SET live = false, is_current = false
WHERE live AND source_file IN (SELECT source_file FROM chunk_updated)
