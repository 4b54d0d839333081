-- name: queue-page-ids
-- The post ids of one page of the review queue ({{sort}} {{direction}}): a narrow sort, no text.
SELECT post_id
FROM {{queue_keys}} AS k
ORDER BY {{sort}} {{direction}} NULLS LAST, post_id
LIMIT $limit OFFSET $offset
