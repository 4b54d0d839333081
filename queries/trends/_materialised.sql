-- name: trends/_materialised
-- The rows stored by trends/materialise; stands in for {{posts}} in the aggregations of one page render.
SELECT * FROM trend_posts
