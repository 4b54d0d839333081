-- name: quality/_all_posts
-- Every current post id (the {{posts}} of a quality query run without filters).
SELECT post_id FROM posts
