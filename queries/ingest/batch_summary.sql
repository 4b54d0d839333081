-- name: ingest/batch_summary
-- One import batch with its counts and the number of current posts.
SELECT b.*, (SELECT count(*) FROM posts) AS posts_total
FROM import_batches AS b WHERE batch_id = $batch_id
