-- name: quality/page_rows
-- The current posts of {{posts}} (the posts view, or quality/_filtered_posts under the sidebar filters) with their recorded quality and, for the revision scored, computed quality, sub-scores, template share and finding codes: the narrow columns the Quality page aggregates (no title: quality/page_points reads it for the posts it draws).
-- part: posts = quality/_filtered_posts
SELECT p.revision_id, p.site, p.stack,
       p.score_quality AS recorded_quality, q.computed_quality,
       q.score_readability, q.score_structure, q.score_originality, q.score_consistency, q.score_substance,
       q.template_share, q.finding_codes
FROM {{posts}} AS p
LEFT JOIN quality_scores AS q ON q.revision_id = p.revision_id
