-- name: trends/scores_by_month
-- Posts and mean scores of the filtered posts ({{posts}} = review/post_freshness) by month of their last review.
-- part: posts = review/post_freshness
WITH f AS (SELECT *, band IN ('stale', 'never') AS stale FROM {{posts}})
SELECT date_trunc('month', last_reviewed)::DATE            AS month,
       count(*)                                            AS posts,
       round(avg(score_quality), 1)                        AS mean_quality,
       round(avg(score_freshness), 1)                      AS mean_freshness,
       round(avg(score_depth), 1)                          AS mean_depth,
       round(avg(score_clarity), 1)                        AS mean_clarity,
       round(avg(computed_freshness), 1)                   AS mean_computed_freshness,
       median(score_quality)                               AS median_quality,
       count(*) FILTER (WHERE stale)                       AS stale_posts
FROM f
WHERE last_reviewed IS NOT NULL
GROUP BY ALL
ORDER BY month
