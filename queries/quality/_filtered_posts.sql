-- name: quality/_filtered_posts
-- The current posts (the posts view, every column) that {{filtered}} keeps: review/post_freshness under the sidebar filters; the {{posts}} of quality/page_rows when a filter is set.
-- part: filtered = review/post_freshness
SELECT * FROM posts WHERE post_id IN (SELECT post_id FROM {{filtered}})
