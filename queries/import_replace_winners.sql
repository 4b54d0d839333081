-- name: import-replace-winners
-- Drop the current rows of posts whose winner is now a revision of this chunk (chunk_winners).
DELETE FROM posts WHERE post_id IN (SELECT post_id FROM chunk_winners)
