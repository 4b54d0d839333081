-- name: review/queue_count
-- How many posts the review queue holds under the filters.
-- part: queue_keys = review/queue_keys
SELECT count(*) AS posts
FROM {{queue_keys}} AS k
