-- name: trends/filter_options
-- Values offered by the shared sidebar filters: every site, stack and status with its post count.
SELECT 'site' AS kind, site AS value, count(*) AS posts FROM posts WHERE site IS NOT NULL GROUP BY site
UNION ALL
SELECT 'stack', s, count(*) FROM (SELECT unnest(stack) AS s FROM posts) WHERE s IS NOT NULL GROUP BY s
UNION ALL
SELECT 'status', status, count(*) FROM posts WHERE status IS NOT NULL GROUP BY status
UNION ALL
SELECT 'difficulty', difficulty, count(*) FROM posts WHERE difficulty IS NOT NULL GROUP BY difficulty
ORDER BY kind, posts DESC, value
