-- name: trends/_posts_page
-- The first $limit rows of the posts export ({{rows}}) by post id, for the table under the charts.
SELECT * FROM {{rows}} ORDER BY post_id LIMIT $limit
