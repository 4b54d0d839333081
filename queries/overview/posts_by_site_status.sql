-- name: overview/posts_by_site_status
-- Number of current posts per site and status.
SELECT coalesce(site, '(no site)') AS site, coalesce(status, '(no status)') AS status, count(*) AS posts
FROM posts
GROUP BY ALL
ORDER BY site, posts DESC
