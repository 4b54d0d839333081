-- name: import-insert-revisions
-- Append the chunk's parsed posts (registered as chunk_revisions) to the revision history.
INSERT INTO post_revisions BY NAME SELECT * FROM chunk_revisions
