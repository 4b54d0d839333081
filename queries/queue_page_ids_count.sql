-- name: queue-page-ids-count
-- One page of queue post ids ({{sort}} {{direction}}) and the queue's total, from one pass over the keys.
WITH k AS MATERIALIZED (
    SELECT * FROM {{queue_keys}} AS keys
)
SELECT post_id, (SELECT count(*) FROM k) AS total
FROM k
ORDER BY {{sort}} {{direction}} NULLS LAST, post_id
LIMIT $limit OFFSET $offset
