-- name: trends/_materialised
-- The rows of trends/page_posts, fetched once as Arrow and registered as "page_posts"; stands in for {{posts}} in the aggregations of one page render.
-- input: page_posts
SELECT * FROM page_posts
