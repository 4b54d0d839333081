-- name: review/queue_page_ids_count
-- One page of queue post ids ({{sort}} {{direction}}) and the queue's total, from one pass over the keys.
-- part: queue_keys = review/queue_keys
-- choose: sort = priority | review_age_days | view_count | computed_freshness | score_quality | last_reviewed | post_id | title | site
-- choose: direction = DESC | ASC
WITH k AS MATERIALIZED (
    SELECT * FROM {{queue_keys}} AS keys
)
SELECT post_id, (SELECT count(*) FROM k) AS total
FROM k
ORDER BY {{sort}} {{direction}} NULLS LAST, post_id
LIMIT $limit OFFSET $offset
