-- name: import-archive-affected-posts
-- Move the current rows of posts to re-derive (chunk_affected) into revision_archive: live unless their source file was re-imported with other content (chunk_updated).
INSERT INTO revision_archive BY NAME
SELECT *, source_file NOT IN (SELECT source_file FROM chunk_updated) AS live
FROM posts
WHERE post_id IN (SELECT post_id FROM chunk_affected)
