-- name: quality/record_batch
-- Store the computed-quality figures after import batch $batch_id, corpus-wide and per site, in quality_batch_metrics.
INSERT INTO quality_batch_metrics
SELECT $batch_id AS batch_id,
       grouping(p.site) = 1 AS all_sites,
       CASE WHEN grouping(p.site) = 0 THEN p.site END AS site,
       count(*) AS posts,
       count(q.computed_quality) AS scored,
       avg(q.computed_quality) AS mean_computed_quality,
       median(q.computed_quality) AS median_computed_quality,
       avg(p.score_quality) AS mean_recorded_quality,
       avg(q.score_readability), avg(q.score_structure), avg(q.score_originality),
       avg(q.score_consistency), avg(q.score_substance), avg(q.template_share),
       count(*) FILTER (WHERE q.computed_quality < $computed_low),
       count(*) FILTER (WHERE abs(p.score_quality - q.computed_quality) >= $disagreement_margin),
       count(*) FILTER (WHERE q.template_share >= $template_heavy_share)
FROM posts AS p
LEFT JOIN quality_scores AS q ON q.post_id = p.post_id
GROUP BY GROUPING SETS ((), (p.site))
