-- name: trends/page_posts
-- The filtered review/post_freshness rows (with their review-age rank, trends/_aged) in the narrow columns the page's aggregations read; fetched once per render as Arrow (trends/_materialised).
-- part: posts = trends/_aged(posts=review/post_freshness)
SELECT post_id, site, stack, status, difficulty, last_reviewed, review_age_days, aging_after_days, stale_after_days,
       score_quality, score_freshness, score_depth, score_clarity, computed_freshness, band, age_rank
FROM {{posts}}
