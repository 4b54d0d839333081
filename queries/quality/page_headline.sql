-- name: quality/page_headline
-- Headline figures of the Quality page over {{rows}} (quality/page_rows): posts, posts scored, mean and median computed and recorded quality, posts below computed_low, disagreements (|recorded - computed| >= the margin), template-heavy posts.
-- part: rows = quality/page_rows
SELECT count(*) AS posts,
       count(computed_quality) AS scored,
       round(avg(computed_quality), 1) AS mean_computed_quality,
       median(computed_quality) AS median_computed_quality,
       round(avg(recorded_quality), 1) AS mean_recorded_quality,
       median(recorded_quality) AS median_recorded_quality,
       count(*) FILTER (WHERE computed_quality < $computed_low) AS computed_low,
       count(*) FILTER (WHERE abs(recorded_quality - computed_quality) >= $disagreement_margin) AS disagreements,
       count(*) FILTER (WHERE template_share >= $template_heavy_share) AS template_heavy
FROM {{rows}}
