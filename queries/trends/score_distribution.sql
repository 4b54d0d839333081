-- name: trends/score_distribution
-- Posts per 10-point bucket (every bucket, empty ones too) of each score, and how many posts have no value (bucket NULL) ({{posts}} = review/post_freshness).
-- part: posts = review/post_freshness
--
-- A missing score is counted in its own row (bucket NULL, label "no value"), never in a bucket:
-- least/greatest skip NULLs in DuckDB, so the NULL is kept out of them explicitly.  Computed
-- freshness has no value for a never-reviewed post (review/post_freshness sets it to 0 by definition).
WITH f AS (
    SELECT score_quality AS quality, score_freshness AS freshness, score_depth AS depth, score_clarity AS clarity,
           CASE WHEN band <> 'never' THEN computed_freshness END AS computed_freshness
    FROM {{posts}}
),
h AS (
    -- one pass: a histogram per score (bucket = lower edge, 100 falls in 90; NULL stays NULL)
    SELECT histogram(CASE WHEN quality IS NOT NULL THEN least(greatest(quality // 10, 0), 9) * 10 END)     AS quality,
           histogram(CASE WHEN freshness IS NOT NULL THEN least(greatest(freshness // 10, 0), 9) * 10 END) AS freshness,
           histogram(CASE WHEN depth IS NOT NULL THEN least(greatest(depth // 10, 0), 9) * 10 END)         AS depth,
           histogram(CASE WHEN clarity IS NOT NULL THEN least(greatest(clarity // 10, 0), 9) * 10 END)     AS clarity,
           histogram(CASE WHEN computed_freshness IS NOT NULL
                          THEN least(greatest(computed_freshness // 10, 0), 9) * 10 END)                   AS computed_freshness,
           count(*) - count(quality) AS quality_missing, count(*) - count(freshness) AS freshness_missing,
           count(*) - count(depth) AS depth_missing, count(*) - count(clarity) AS clarity_missing,
           count(*) - count(computed_freshness) AS computed_freshness_missing
    FROM f
),
long AS (
    SELECT 'quality' AS score, unnest(map_entries(quality)) AS e FROM h
    UNION ALL SELECT 'freshness', unnest(map_entries(freshness)) FROM h
    UNION ALL SELECT 'depth', unnest(map_entries(depth)) FROM h
    UNION ALL SELECT 'clarity', unnest(map_entries(clarity)) FROM h
    UNION ALL SELECT 'computed_freshness', unnest(map_entries(computed_freshness)) FROM h
),
counted AS (
    SELECT score, e.key::INTEGER AS bucket, e.value::BIGINT AS posts FROM long WHERE e.key IS NOT NULL
),
grid AS (
    SELECT score, bucket
    FROM (VALUES ('quality'), ('freshness'), ('depth'), ('clarity'), ('computed_freshness')) AS s(score),
         range(0, 100, 10) AS b(bucket)
),
missing AS (
    SELECT 'quality' AS score, quality_missing AS posts FROM h
    UNION ALL SELECT 'freshness', freshness_missing FROM h
    UNION ALL SELECT 'depth', depth_missing FROM h
    UNION ALL SELECT 'clarity', clarity_missing FROM h
    UNION ALL SELECT 'computed_freshness', computed_freshness_missing FROM h
)
SELECT g.score, g.bucket::INTEGER AS bucket,
       CASE WHEN g.bucket = 90 THEN '90-100' ELSE g.bucket || '-' || (g.bucket + 9) END AS label,
       coalesce(c.posts, 0)::BIGINT AS posts
FROM grid AS g
LEFT JOIN counted AS c USING (score, bucket)
UNION ALL
SELECT score, NULL, 'no value', posts::BIGINT FROM missing
ORDER BY score, bucket NULLS LAST
