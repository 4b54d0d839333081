-- name: freshness-bands
-- Posts per freshness band (fresh, aging, stale, never) with their mean computed and recorded freshness.
SELECT band, count(*) AS posts,
       round(avg(computed_freshness), 1) AS mean_computed_freshness,
       round(avg(score_freshness), 1) AS mean_recorded_freshness,
       count(*) FILTER (WHERE freshness_drift) AS drifted
FROM {{post_freshness}} AS f
GROUP BY band
ORDER BY array_position(['fresh', 'aging', 'stale', 'never'], band)
