-- name: trends/breakdown
-- Mean scores and stale share of the filtered posts ({{posts}}) by site, stack, difficulty or status ($dim).
-- part: posts = review/post_freshness
WITH f AS (SELECT *, band IN ('stale', 'never') AS stale FROM {{posts}}),
k AS (
    SELECT CASE $dim WHEN 'site' THEN site WHEN 'difficulty' THEN difficulty WHEN 'status' THEN status END AS key,
           score_quality, score_freshness, score_depth, score_clarity, computed_freshness, stale
    FROM f
    WHERE $dim IN ('site', 'difficulty', 'status')
    UNION ALL
    SELECT unnest(coalesce(nullif(stack, []), [NULL::VARCHAR])) AS key,
           score_quality, score_freshness, score_depth, score_clarity, computed_freshness, stale
    FROM f
    WHERE $dim = 'stack'
)
SELECT coalesce(key, '(none)')                             AS key,
       count(*)                                            AS posts,
       round(avg(score_quality), 1)                        AS mean_quality,
       round(avg(score_freshness), 1)                      AS mean_freshness,
       round(avg(score_depth), 1)                          AS mean_depth,
       round(avg(score_clarity), 1)                        AS mean_clarity,
       round(avg(computed_freshness), 1)                   AS mean_computed_freshness,
       median(score_quality)                               AS median_quality,
       count(*) FILTER (WHERE stale)                       AS stale_posts,
       round(count(*) FILTER (WHERE stale) / count(*), 4)  AS stale_share
FROM k
GROUP BY ALL
ORDER BY posts DESC, key
