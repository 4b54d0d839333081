-- name: import-archive-replaced
-- Move the current rows of posts whose winner is now a revision of this chunk (chunk_winners) into revision_archive (still live); import-replace-winners then deletes them from posts.
INSERT INTO revision_archive BY NAME
SELECT *, true AS live FROM posts
WHERE post_id IN (SELECT post_id FROM chunk_winners)
