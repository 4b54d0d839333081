-- name: trends/review_age_bands
-- Filtered posts ({{posts}}) per site or stack ($dim) and review-age band (trends/age_bands), every band of the $max_keys largest groups, empty ones too.
-- part: posts = trends/_aged(posts=review/post_freshness)
-- part: age_bands = trends/age_bands
WITH cells AS (
    SELECT coalesce(site, '(none)') AS key, age_rank, count(*) AS posts
    FROM {{posts}}
    WHERE $dim = 'site'
    GROUP BY ALL
    UNION ALL
    SELECT key, age_rank, count(*)
    FROM (SELECT unnest(coalesce(nullif(stack, []), ['(none)'])) AS key, age_rank FROM {{posts}} WHERE $dim = 'stack')
    GROUP BY ALL
),
totals AS (
    SELECT key, sum(posts) AS key_posts, row_number() OVER (ORDER BY sum(posts) DESC, key) AS key_rank
    FROM cells
    GROUP BY key
)
SELECT t.key, b.age_rank, b.age_band, b.age_min, b.age_max, coalesce(c.posts, 0)::BIGINT AS posts,
       round(coalesce(c.posts, 0) / t.key_posts, 4) AS share, t.key_posts::BIGINT AS key_posts
FROM totals AS t
CROSS JOIN {{age_bands}} AS b
LEFT JOIN cells AS c ON c.key = t.key AND c.age_rank = b.age_rank
WHERE t.key_rank <= $max_keys
ORDER BY t.key_rank, b.age_rank
