-- name: ingest/database_state
-- Whether the database already holds revisions and posts (an import into an empty database can skip look-ups).
SELECT (SELECT count(*) FROM post_revisions) AS revisions, (SELECT count(*) FROM posts) AS posts
