-- name: quality/page_breakdown
-- Mean sub-scores, computed and recorded quality per site or per stack ($dim; a post counts for each of its stacks, '(none)' without one) over {{rows}} (quality/page_rows); the $max_keys largest groups.
-- part: rows = quality/page_rows
WITH keyed AS (
    SELECT unnest(CASE $dim WHEN 'site' THEN [coalesce(site, '(none)')]
                            ELSE coalesce(nullif(stack, []), ['(none)']) END) AS key,
           computed_quality, recorded_quality, score_readability, score_structure, score_originality,
           score_consistency, score_substance
    FROM {{rows}}
    WHERE computed_quality IS NOT NULL
)
SELECT key, count(*) AS posts,
       round(avg(computed_quality), 1) AS computed_quality,
       round(avg(recorded_quality), 1) AS recorded_quality,
       round(avg(score_readability), 1) AS readability,
       round(avg(score_structure), 1) AS structure,
       round(avg(score_originality), 1) AS originality,
       round(avg(score_consistency), 1) AS consistency,
       round(avg(score_substance), 1) AS substance
FROM keyed
GROUP BY key
ORDER BY posts DESC, key
LIMIT $max_keys
