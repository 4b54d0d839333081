-- name: ingest/known_files
-- The live revision (content sha256 and post) of each source file in the current chunk (registered as chunk_files).
-- input: chunk_files
SELECT r.source_file, r.source_sha256, r.post_id
FROM post_revisions AS r
SEMI JOIN chunk_files AS c ON c.source_file = r.source_file
WHERE r.live
