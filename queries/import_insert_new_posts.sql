-- name: import-insert-new-posts
-- Fast path: posts (registered as chunk_simple) that are new to the database and come once in the chunk: their revision is their current row.
INSERT INTO posts BY NAME
SELECT * EXCLUDE (revision_id, live) FROM chunk_revisions
WHERE post_id IN (SELECT post_id FROM chunk_simple)
