-- name: queue-count
-- How many posts the review queue holds under the filters.
SELECT count(*) AS posts
FROM {{queue_keys}} AS k
