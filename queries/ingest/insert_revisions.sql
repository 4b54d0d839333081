-- name: ingest/insert_revisions
-- Append the chunk's parsed revisions (registered as chunk_revisions, is_current set for those that are now their post's current row) to post_revisions.
-- input: chunk_revisions
INSERT INTO post_revisions BY NAME SELECT * FROM chunk_revisions
