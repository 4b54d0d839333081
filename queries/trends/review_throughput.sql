-- name: trends/review_throughput
-- Review decisions on the filtered posts ({{posts}}) per week (Monday) and kind, for the $weeks weeks up to $as_of; every week and kind, empty ones too.
-- part: posts = review/post_freshness
WITH weeks AS (
    SELECT (date_trunc('week', $as_of::DATE) - to_weeks(i::INTEGER))::DATE AS week FROM range($weeks) AS t(i)
),
kinds AS (
    SELECT unnest(['approve', 'needs_edits', 'merge', 'unpublish', 'snooze', 'reopen']) AS decision
),
d AS (
    SELECT date_trunc('week', r.decided_at)::DATE AS week, r.decision
    FROM review_decisions AS r
    JOIN (SELECT post_id FROM {{posts}}) AS p USING (post_id)
    WHERE r.decided_at < $as_of::DATE + 1
      AND r.decided_at >= date_trunc('week', $as_of::DATE) - to_weeks($weeks::INTEGER - 1)
)
SELECT w.week, k.decision, count(d.week)::BIGINT AS decisions
FROM weeks AS w
CROSS JOIN kinds AS k
LEFT JOIN d ON d.week = w.week AND d.decision = k.decision
GROUP BY w.week, k.decision
ORDER BY w.week, list_position(['approve', 'needs_edits', 'merge', 'unpublish', 'snooze', 'reopen'], k.decision)
