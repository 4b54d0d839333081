-- name: import-insert-current
-- Insert the chunk's revisions that are now their post's current row (chunk_revisions.to_posts) into posts.
INSERT INTO posts BY NAME
SELECT * EXCLUDE (live, to_posts) FROM chunk_revisions
WHERE to_posts
