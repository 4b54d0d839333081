-- name: ingest/known_files_by_id
-- The live revision (content sha256, post, and the file's size and modification time when it was read) of each source file in the current chunk (registered as chunk_files), among the candidate revisions registered as chunk_candidates (those whose file-name hash is a chunk file's): DuckDB reads only the row groups holding them.
-- input: chunk_files
-- input: chunk_candidates(revision_id BIGINT)
SELECT r.source_file, r.source_sha256, r.post_id, r.source_size, r.source_mtime_ns
FROM post_revisions AS r
JOIN chunk_candidates AS c ON c.revision_id = r.revision_id
SEMI JOIN chunk_files AS f ON f.source_file = r.source_file
WHERE r.live
