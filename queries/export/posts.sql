-- name: export/posts
-- The filtered posts ({{posts}} = review/post_freshness) with freshness band; optional drill-down (score range, import batch), storage order.
-- part: posts = review/post_freshness
WITH f AS (SELECT *, band IN ('stale', 'never') AS stale FROM {{posts}})
SELECT post_id, site, title, status, difficulty, stack, last_reviewed, review_age_days,
       band, stale, view_count, score_quality, score_freshness, score_depth, score_clarity,
       computed_freshness, freshness_drift, warnings, imported_at
FROM f
WHERE ($score_name IS NULL
       OR (CASE $score_name
               WHEN 'quality'            THEN score_quality
               WHEN 'freshness'          THEN score_freshness
               WHEN 'depth'              THEN score_depth
               WHEN 'clarity'            THEN score_clarity
               WHEN 'computed_freshness' THEN computed_freshness
           END) BETWEEN $score_min AND $score_max)
  AND ($batch_id IS NULL OR post_id IN (SELECT post_id FROM posts WHERE batch_id = $batch_id))
