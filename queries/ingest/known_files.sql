-- name: ingest/known_files
-- The live revision (content sha256, post, and the file's size and modification time when it was read) of each source file in the current chunk (registered as chunk_files).
-- input: chunk_files
SELECT r.source_file, r.source_sha256, r.post_id, r.source_size, r.source_mtime_ns
FROM post_revisions AS r
SEMI JOIN chunk_files AS c ON c.source_file = r.source_file
WHERE r.live
