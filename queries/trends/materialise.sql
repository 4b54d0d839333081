-- name: trends/materialise
-- Compute the filtered review/post_freshness rows ({{posts}}) once per page render into a narrow connection-local table.
-- part: posts = review/post_freshness
CREATE OR REPLACE TEMP TABLE trend_posts AS
SELECT post_id, site, stack, status, difficulty, last_reviewed,
       score_quality, score_freshness, score_depth, score_clarity, computed_freshness, band
FROM {{posts}}
