-- name: export/quality
-- copydesk's own quality of the filtered posts ({{posts}} = review/post_freshness): every post_quality column with the post's site, title and status; optional drill-down by finding code, computed-quality range, site or stack, disagreement with the recorded quality.
-- part: posts = review/post_freshness
--
-- Drill-down parameters (NULL = not used): $finding (a finding code), $computed_min..$computed_max,
-- $min_gap (|recorded - computed| at least this), $drill_dim ('site' or 'stack') with $drill_key,
-- $limit rows in post_id order.
SELECT q.post_id, f.site, f.title, f.status, f.stack,
       q.* EXCLUDE (post_id, revision_id),
       q.recorded_quality - q.computed_quality AS quality_gap
FROM {{posts}} AS f
JOIN post_quality AS q ON q.post_id = f.post_id
WHERE ($finding IS NULL OR list_contains(q.finding_codes, $finding))
  AND ($computed_min IS NULL OR q.computed_quality >= $computed_min)
  AND ($computed_max IS NULL OR q.computed_quality <= $computed_max)
  AND ($min_gap IS NULL OR abs(q.recorded_quality - q.computed_quality) >= $min_gap)
  AND ($drill_key IS NULL
       OR list_contains(CASE $drill_dim WHEN 'site'  THEN [coalesce(f.site, '(none)')]
                                        WHEN 'stack' THEN coalesce(nullif(f.stack, []), ['(none)']) END,
                        $drill_key))
ORDER BY q.post_id
LIMIT coalesce($limit, 9223372036854775807)
