-- name: review/queue_page
-- One page of the review queue in the chosen order ({{sort}} {{direction}}); reasons are worded for that page only.
-- part: queue_keys = review/queue_keys
-- part: queue_rows_of_top = review/queue_rows(queue_keys=top)
-- choose: sort = priority | review_age_days | view_count | computed_freshness | score_quality | last_reviewed | post_id | title | site
-- choose: direction = DESC | ASC
WITH top AS (
    SELECT *
    FROM {{queue_keys}} AS k
    ORDER BY {{sort}} {{direction}} NULLS LAST, post_id
    LIMIT $limit OFFSET $offset
)
SELECT *
FROM {{queue_rows_of_top}} AS q
ORDER BY {{sort}} {{direction}} NULLS LAST, post_id
