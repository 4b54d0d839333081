-- name: import-supersede-revisions
-- Mark the old revision of every re-imported (changed) source file as no longer live.
UPDATE post_revisions SET live = false
WHERE live AND source_file IN (SELECT source_file FROM chunk_updated)
