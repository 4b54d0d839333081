-- name: trends/score_distribution
-- Posts per 10-point bucket of each score: quality, freshness, depth, clarity, computed freshness ({{posts}} = review/post_freshness).
-- part: posts = review/post_freshness
WITH f AS (SELECT * FROM {{posts}}),
h AS (
    -- one pass: a histogram per score (bucket = lower edge, 100 falls in 90)
    SELECT histogram(least(greatest(score_quality // 10, 0), 9) * 10)      AS quality,
           histogram(least(greatest(score_freshness // 10, 0), 9) * 10)    AS freshness,
           histogram(least(greatest(score_depth // 10, 0), 9) * 10)        AS depth,
           histogram(least(greatest(score_clarity // 10, 0), 9) * 10)      AS clarity,
           histogram(least(greatest(computed_freshness // 10, 0), 9) * 10) AS computed_freshness
    FROM f
),
long AS (
    SELECT 'quality' AS score, unnest(map_entries(quality)) AS e FROM h
    UNION ALL SELECT 'freshness', unnest(map_entries(freshness)) FROM h
    UNION ALL SELECT 'depth', unnest(map_entries(depth)) FROM h
    UNION ALL SELECT 'clarity', unnest(map_entries(clarity)) FROM h
    UNION ALL SELECT 'computed_freshness', unnest(map_entries(computed_freshness)) FROM h
)
SELECT score, e.key::INTEGER AS bucket, e.value::BIGINT AS posts
FROM long
WHERE e.key IS NOT NULL
ORDER BY score, bucket
