-- name: review/queue_page_ids
-- The post ids of one page of the review queue ({{sort}} {{direction}}): a narrow sort, no text.
-- part: queue_keys = review/queue_keys
-- choose: sort = priority | review_age_days | view_count | computed_freshness | score_quality | last_reviewed | post_id | title | site
-- choose: direction = DESC | ASC
SELECT post_id
FROM {{queue_keys}} AS k
ORDER BY {{sort}} {{direction}} NULLS LAST, post_id
LIMIT $limit OFFSET $offset
