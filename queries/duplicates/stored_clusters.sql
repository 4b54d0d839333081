-- name: duplicates/stored_clusters
-- The clusters stored by the latest run or verdict when they were built at $threshold, with their members' site, title and scores (the page's fast path).
SELECT c.cluster_id, c.post_id, c.cluster_size, c.is_canonical, c.canonical_post_id, c.reason,
       sum(p.view_count) OVER (PARTITION BY c.cluster_id) AS total_views,
       p.site, p.title, p.status, p.score_quality, p.score_freshness, p.view_count
FROM duplicate_clusters AS c
JOIN posts AS p USING (post_id)
WHERE c.threshold = $threshold
