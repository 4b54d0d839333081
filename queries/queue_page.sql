-- name: queue-page
-- One page of the review queue in the chosen order ({{sort}} {{direction}}); reasons are worded for that page only.
WITH top AS (
    SELECT *
    FROM {{queue_keys}} AS k
    ORDER BY {{sort}} {{direction}} NULLS LAST, post_id
    LIMIT $limit OFFSET $offset
)
SELECT *
FROM {{queue_rows_of_top}} AS q
ORDER BY {{sort}} {{direction}} NULLS LAST, post_id
