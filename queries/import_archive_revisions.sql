-- name: import-archive-revisions
-- Insert the chunk's other revisions (older than their post's current row, or of posts re-derived afterwards) into revision_archive.
INSERT INTO revision_archive BY NAME
SELECT * EXCLUDE (to_posts) FROM chunk_revisions
WHERE NOT to_posts
