-- name: quality/page_points
-- The points of the computed-vs-recorded scatter over {{rows}} (quality/page_rows): every post that disagrees by the margin or more (largest gaps first) up to $max_points, then an evenly spread sample of the others (by a hash of the post id) up to $max_points in all.
-- part: rows = quality/page_rows
WITH scored AS (
    SELECT post_id, site, title, recorded_quality, computed_quality,
           recorded_quality - computed_quality AS gap,
           abs(recorded_quality - computed_quality) >= $disagreement_margin AS disagrees
    FROM {{rows}}
    WHERE computed_quality IS NOT NULL AND recorded_quality IS NOT NULL
),
-- each side cut to $max_points on its own first (two small top-N passes instead of one sort of every post)
picked AS (
    (SELECT * FROM scored WHERE disagrees ORDER BY abs(gap) DESC, post_id LIMIT $max_points)
    UNION ALL
    (SELECT * FROM scored WHERE NOT disagrees ORDER BY hash(post_id), post_id LIMIT $max_points)
)
SELECT *
FROM picked
ORDER BY disagrees DESC, CASE WHEN disagrees THEN -abs(gap) ELSE hash(post_id) END, post_id
LIMIT $max_points
