-- name: quality/page_rows
-- The filtered posts ({{posts}} = review/post_freshness) with their computed and recorded quality, sub-scores, template share and finding codes, in the narrow columns the Quality page aggregates; fetched once per render as Arrow (quality/_page_materialised).
-- part: posts = review/post_freshness
SELECT f.post_id, f.site, f.stack, f.title,
       f.score_quality AS recorded_quality, q.computed_quality,
       q.score_readability, q.score_structure, q.score_originality, q.score_consistency, q.score_substance,
       q.template_share, q.finding_codes
FROM {{posts}} AS f
LEFT JOIN quality_scores AS q ON q.post_id = f.post_id
