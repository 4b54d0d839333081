-- name: ingest/next_revision_id
-- The next free revision id.
SELECT coalesce(max(revision_id), 0) + 1 FROM post_revisions
