-- name: import-supersede-revisions
-- Mark the archived revision of every re-imported (changed) source file (registered as chunk_updated) as no longer live; a current one is archived by import-archive-affected-posts.
UPDATE revision_archive SET live = false
WHERE live AND source_file IN (SELECT source_file FROM chunk_updated)
