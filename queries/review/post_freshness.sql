-- name: review/post_freshness
-- Every post (matching the post filters) with its effective last review, review age, computed freshness, band and drift as of $as_of.
-- part: decision_reviews = review/decision_reviews
WITH rules AS (
    SELECT unnest(from_json($policy_overrides,
        '[{"scope": "VARCHAR", "key": "VARCHAR", "half_life_days": "DOUBLE", "aging_after_days": "INTEGER",
           "stale_after_days": "INTEGER", "drift_margin": "INTEGER"}]'), recursive := true)
),
site_rules AS (
    SELECT * FROM rules WHERE scope = 'site'
),
-- the strictest override among a post's stacks (only posts with an overridden stack are unnested)
stack_rules AS (
    SELECT s.post_id,
           min(r.half_life_days)   AS half_life_days,
           min(r.aging_after_days) AS aging_after_days,
           min(r.stale_after_days) AS stale_after_days,
           min(r.drift_margin)     AS drift_margin
    FROM (
        SELECT post_id, lower(unnest(stack)) AS stack_item
        FROM posts
        WHERE len($override_stacks::VARCHAR[]) > 0
          AND list_has_any(list_transform(stack, lambda x: lower(x)), $override_stacks::VARCHAR[])
    ) AS s
    JOIN rules AS r ON r.scope = 'stack' AND r.key = s.stack_item
    GROUP BY s.post_id
),
-- A review is the recorded last-reviewed date or an approve / needs_edits decision, whichever is later:
-- effective_last_reviewed = greatest(last_reviewed, last such decision's day); the recorded date is kept.
reviews AS {{decision_reviews}},
reviewed AS (
    SELECT p.*, greatest(p.last_reviewed, r.decision_reviewed) AS effective_last_reviewed
    FROM posts AS p
    LEFT JOIN reviews AS r ON r.post_id = p.post_id
),
base AS (
    SELECT p.post_id, p.site, p.title, p.status, lower(p.status) AS status_key, p.stack, p.difficulty, p.last_reviewed,
           p.effective_last_reviewed, p.view_count,
           p.score_quality, p.score_freshness, p.score_depth, p.score_clarity,
           p.ai_generated_style, p.needs_human_review, p.has_meta, p.warnings,
           p.source_sha256, p.imported_at,
           coalesce(sr.half_life_days,   si.half_life_days,   $half_life_days)   AS half_life_days,
           coalesce(sr.aging_after_days, si.aging_after_days, $aging_after_days) AS aging_after_days,
           coalesce(sr.stale_after_days, si.stale_after_days, $stale_after_days) AS stale_after_days,
           coalesce(sr.drift_margin,     si.drift_margin,     $drift_margin)     AS drift_margin,
           CASE WHEN p.effective_last_reviewed IS NOT NULL
                THEN greatest(0, date_diff('day', p.effective_last_reviewed, $as_of::DATE)) END AS review_age_days
    FROM reviewed AS p
    LEFT JOIN site_rules AS si ON si.key = lower(p.site)
    LEFT JOIN stack_rules AS sr ON sr.post_id = p.post_id
    WHERE (len($f_post_ids::VARCHAR[]) = 0 OR list_contains($f_post_ids::VARCHAR[], p.post_id))
      AND (len($f_site::VARCHAR[]) = 0 OR list_contains($f_site::VARCHAR[], lower(p.site)))
      AND (len($f_stack::VARCHAR[]) = 0
           OR list_has_any(list_transform(p.stack, lambda x: lower(x)), $f_stack::VARCHAR[]))
      AND (len($f_status::VARCHAR[]) = 0 OR list_contains($f_status::VARCHAR[], status_key))
      AND (len($f_difficulty::VARCHAR[]) = 0 OR list_contains($f_difficulty::VARCHAR[], lower(p.difficulty)))
      AND ($f_reviewed_from::DATE IS NULL OR p.effective_last_reviewed >= $f_reviewed_from::DATE)
      AND ($f_reviewed_to::DATE IS NULL OR p.effective_last_reviewed <= $f_reviewed_to::DATE)
      AND ($f_search::VARCHAR = ''
           OR contains(lower(p.post_id), $f_search::VARCHAR) OR contains(lower(p.title), $f_search::VARCHAR))
),
computed AS (
    SELECT *,
           CASE WHEN review_age_days IS NULL THEN 0
                ELSE round(100 * pow(0.5, review_age_days / half_life_days))::INTEGER END AS computed_freshness,
           CASE WHEN review_age_days IS NULL THEN 'never'
                WHEN review_age_days > stale_after_days THEN 'stale'
                WHEN review_age_days >= aging_after_days THEN 'aging'
                ELSE 'fresh' END AS band
    FROM base
)
SELECT *,
       score_freshness - computed_freshness AS freshness_gap,
       coalesce(abs(score_freshness - computed_freshness) > drift_margin, false) AS freshness_drift
FROM computed
WHERE len($f_band::VARCHAR[]) = 0 OR list_contains($f_band::VARCHAR[], band)
