-- name: import-next-revision-id
-- The next free revision id.
SELECT coalesce(max(revision_id), 0) + 1 FROM post_revisions
