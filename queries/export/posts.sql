-- name: export/posts
-- The filtered posts ({{posts}} = review/post_freshness) with freshness band; optional drill-down (score range or no score, review-age range, import batch), storage order.
-- part: posts = review/post_freshness
--
-- Drill-down parameters (NULL = not used): $score_name with $score_min..$score_max (both NULL:
-- the posts WITHOUT that score; computed freshness has none when never reviewed), review age
-- $age_min..$age_max days (either end may be NULL), $batch_id, and $drill_key of $drill_dim (site,
-- stack, difficulty or status; '(none)' = no value), keyed exactly as the charts group them.
WITH f AS (SELECT *, band IN ('stale', 'never') AS stale FROM {{posts}}),
scored AS (
    SELECT *,
           CASE $score_name
               WHEN 'quality'            THEN score_quality
               WHEN 'freshness'          THEN score_freshness
               WHEN 'depth'              THEN score_depth
               WHEN 'clarity'            THEN score_clarity
               WHEN 'computed_freshness' THEN CASE WHEN band <> 'never' THEN computed_freshness END
           END AS drill_score
    FROM f
)
SELECT post_id, site, title, status, difficulty, stack, last_reviewed, effective_last_reviewed, review_age_days,
       band, stale, view_count, score_quality, score_freshness, score_depth, score_clarity,
       computed_freshness, freshness_drift, warnings, imported_at
FROM scored
WHERE ($score_name IS NULL
       OR drill_score BETWEEN $score_min AND $score_max
       OR ($score_min IS NULL AND $score_max IS NULL AND drill_score IS NULL))
  AND ($age_min IS NULL OR review_age_days >= $age_min)
  AND ($age_max IS NULL OR review_age_days <= $age_max)
  AND ($drill_key IS NULL
       OR list_contains(CASE $drill_dim WHEN 'site'       THEN [coalesce(site, '(none)')]
                                        WHEN 'difficulty' THEN [coalesce(difficulty, '(none)')]
                                        WHEN 'status'     THEN [coalesce(status, '(none)')]
                                        WHEN 'stack'      THEN coalesce(nullif(stack, []), ['(none)']) END,
                        $drill_key))
  AND ($batch_id IS NULL OR post_id IN (SELECT post_id FROM posts WHERE batch_id = $batch_id))
