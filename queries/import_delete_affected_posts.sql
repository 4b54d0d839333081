-- name: import-delete-affected-posts
-- Remove the current rows of posts touched by this chunk (registered as chunk_affected) before re-deriving them.
DELETE FROM posts WHERE post_id IN (SELECT post_id FROM chunk_affected)
