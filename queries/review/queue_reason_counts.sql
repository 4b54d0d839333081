-- name: review/queue_reason_counts
-- How many posts in the view (under the filters) carry each reason, with its kind (queue reason or signal) and how many have it as their main reason.
-- part: queue_keys = review/queue_keys
-- part: kinds = review/_reason_kinds(keys=keyed)
WITH keyed AS (SELECT reason_codes FROM {{queue_keys}} AS keys),
k AS (SELECT reason_codes, main_reason FROM {{kinds}} AS kinds),
per_reason AS (
    SELECT unnest(reason_codes) AS reason, main_reason FROM k
)
SELECT reason,
       CASE WHEN list_contains($signals::VARCHAR[], reason) THEN 'signal' ELSE 'queue' END AS kind,
       count(*) AS posts,
       count(*) FILTER (WHERE main_reason = reason) AS main
FROM per_reason
GROUP BY reason
ORDER BY kind, posts DESC, reason
