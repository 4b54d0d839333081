-- name: quality/summary
-- Corpus figures of copydesk's own quality: posts, posts scored, mean computed and recorded quality, posts below the computed_low threshold, posts whose recorded and computed quality disagree by the margin or more, template-heavy posts, template sentences.
SELECT count(*) AS posts,
       count(q.computed_quality) AS scored,
       round(avg(q.computed_quality), 1) AS mean_computed_quality,
       round(avg(q.recorded_quality), 1) AS mean_recorded_quality,
       count(*) FILTER (WHERE q.computed_quality < $computed_low) AS computed_low,
       count(*) FILTER (WHERE abs(q.recorded_quality - q.computed_quality) >= $disagreement_margin) AS disagreements,
       count(*) FILTER (WHERE q.template_share >= $template_heavy_share) AS template_heavy,
       (SELECT count(*) FROM template_sentences) AS template_sentences
FROM post_quality AS q
