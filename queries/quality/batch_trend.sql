-- name: quality/batch_trend
-- The computed-quality figures recorded after each import batch (corpus-wide, or one site's when $site is set), with the recorded side's queue size and duplicates from batch_metrics, oldest first.
SELECT m.batch_id, b.started_at, m.posts, m.scored, m.mean_computed_quality, m.median_computed_quality,
       m.mean_recorded_quality, m.mean_readability, m.mean_structure, m.mean_originality, m.mean_consistency,
       m.mean_substance, m.mean_template_share, m.computed_low, m.disagreements, m.template_heavy
FROM quality_batch_metrics AS m
LEFT JOIN import_batches AS b USING (batch_id)
WHERE ($site IS NULL AND m.all_sites) OR (NOT m.all_sites AND m.site = $site)
ORDER BY m.batch_id
