-- name: ingest/_current_rows_by_post
-- The current rows of the posts of chunk_fast, found by post_id (a scan of post_revisions): the {{current_rows}} of ingest/chunk_winners.
-- input: chunk_fast
SELECT post_id, version, last_reviewed, imported_at
FROM post_revisions
WHERE is_current AND post_id IN (SELECT post_id FROM chunk_fast)
