-- name: trends/batch_metrics
-- Snapshot figures of every import batch (corpus-wide, or one site's when $site is set), oldest first.
SELECT m.batch_id, b.started_at, b.finished_at, m.as_of, m.posts, m.queue_size,
       m.stale_posts, m.stale_share, m.median_quality, m.mean_quality, m.mean_freshness,
       m.mean_depth, m.mean_clarity, m.mean_computed_freshness, m.poor_quality_posts,
       m.near_duplicate_pairs, m.duplicate_clusters
FROM batch_metrics m
LEFT JOIN import_batches b USING (batch_id)
WHERE $site IS NULL
UNION ALL
SELECT s.batch_id, b.started_at, b.finished_at, m.as_of, s.posts, NULL,
       s.stale_posts, s.stale_share, s.median_quality, s.mean_quality, s.mean_freshness,
       s.mean_depth, s.mean_clarity, s.mean_computed_freshness, s.poor_quality_posts,
       NULL, NULL
FROM batch_site_metrics s
JOIN batch_metrics m USING (batch_id)
LEFT JOIN import_batches b USING (batch_id)
WHERE s.site = $site
ORDER BY batch_id
