-- name: ingest/post_outcomes
-- Posts a batch made current: new ones (no revision from an earlier batch) and replaced ones (a newer revision of an existing post).
WITH made_current AS (
    SELECT post_id FROM post_revisions WHERE batch_id = $batch_id AND is_current
),
existed AS (
    SELECT DISTINCT r.post_id
    FROM post_revisions AS r
    SEMI JOIN made_current AS m ON m.post_id = r.post_id
    WHERE r.batch_id < $batch_id
)
SELECT count(*) FILTER (WHERE e.post_id IS NULL)     AS posts_new,
       count(*) FILTER (WHERE e.post_id IS NOT NULL) AS posts_replaced
FROM made_current AS m
LEFT JOIN existed AS e ON e.post_id = m.post_id
