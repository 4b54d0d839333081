-- name: trends/snapshot_figures
-- The headline figures of all posts (whole) and of each site, in one pass over {{posts}} (= review/post_freshness): the batch snapshot's rows; the same aggregates as trends/headline.
-- part: posts = review/post_freshness
WITH f AS (SELECT *, band IN ('stale', 'never') AS stale FROM {{posts}})
SELECT grouping(site) = 1                                            AS whole,
       site,
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
GROUP BY GROUPING SETS ((), (site))
ORDER BY whole DESC, site
