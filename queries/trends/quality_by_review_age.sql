-- name: trends/quality_by_review_age
-- Filtered posts ({{posts}}) per review-age band (trends/age_bands, every band) and quality band (good / watch / poor under the policy, no score), with each age band's median quality.
-- part: posts = trends/_aged(posts=review/post_freshness)
-- part: age_bands = trends/age_bands
WITH ages AS (
    SELECT age_rank,
           count(*) FILTER (WHERE score_quality >= $good_quality)                                    AS good,
           count(*) FILTER (WHERE score_quality >= $watch_quality AND score_quality < $good_quality) AS watch,
           count(*) FILTER (WHERE score_quality < $watch_quality)                                    AS poor,
           count(*) FILTER (WHERE score_quality IS NULL)                                             AS no_score,
           median(score_quality)                                                                     AS median_quality
    FROM {{posts}}
    GROUP BY age_rank
),
long AS (
    SELECT age_rank, median_quality, unnest(['good', 'watch', 'poor', 'no score']) AS quality_band,
           unnest([good, watch, poor, no_score]) AS posts
    FROM ages
)
SELECT b.age_rank, b.age_band, b.age_min, b.age_max, q.quality_band, coalesce(l.posts, 0)::BIGINT AS posts,
       round(coalesce(l.posts, 0) / nullif(sum(coalesce(l.posts, 0)) OVER (PARTITION BY b.age_rank), 0), 4) AS share,
       sum(coalesce(l.posts, 0)) OVER (PARTITION BY b.age_rank)::BIGINT AS band_posts,
       max(l.median_quality) OVER (PARTITION BY b.age_rank) AS median_quality
FROM {{age_bands}} AS b
CROSS JOIN (SELECT unnest(['good', 'watch', 'poor', 'no score']) AS quality_band) AS q
LEFT JOIN long AS l ON l.age_rank = b.age_rank AND l.quality_band = q.quality_band
ORDER BY b.age_rank, list_position(['good', 'watch', 'poor', 'no score'], q.quality_band)
