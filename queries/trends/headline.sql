-- name: trends/headline
-- Headline figures of the filtered posts ({{posts}} = review/post_freshness): posts, stale share (stale or never reviewed), scores.
-- part: posts = review/post_freshness
WITH f AS (SELECT *, band IN ('stale', 'never') AS stale FROM {{posts}})
SELECT
       count(*)                                                      AS posts,
       count(*) FILTER (WHERE stale)                                 AS stale_posts,
       count(*) FILTER (WHERE stale) / nullif(count(*), 0)           AS stale_share,
       median(score_quality)                                         AS median_quality,
       avg(score_quality)                                            AS mean_quality,
       avg(score_freshness)                                          AS mean_freshness,
       avg(score_depth)                                              AS mean_depth,
       avg(score_clarity)                                            AS mean_clarity,
       avg(computed_freshness)                                       AS mean_computed_freshness,
       count(*) FILTER (WHERE score_quality < $watch_quality)        AS poor_quality_posts
FROM f
