-- name: trends/materialise
-- Compute the filtered review/post_freshness rows (with their review-age rank, trends/_aged) once per page render into a narrow connection-local table.
-- part: posts = trends/_aged(posts=review/post_freshness)
CREATE OR REPLACE TEMP TABLE trend_posts AS
SELECT post_id, site, stack, status, difficulty, last_reviewed, review_age_days, aging_after_days, stale_after_days,
       score_quality, score_freshness, score_depth, score_clarity, computed_freshness, band, age_rank
FROM {{posts}}
