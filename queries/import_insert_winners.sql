-- name: import-insert-winners
-- Insert the winning revisions of this chunk (chunk_winners) as the current rows of their posts.
INSERT INTO posts BY NAME
SELECT * EXCLUDE (revision_id, live) FROM chunk_revisions
WHERE revision_id IN (SELECT revision_id FROM chunk_winners)
