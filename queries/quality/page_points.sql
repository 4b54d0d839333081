-- name: quality/page_points
-- The points of the computed-vs-recorded scatter over {{rows}} (quality/page_rows): every post that disagrees by the margin or more (largest gaps first) up to $max_points, then an evenly spread sample of the others (by a hash of the revision id: stable until the post changes) up to $max_points in all; post ids and titles read for these posts only.
-- part: rows = quality/page_rows
WITH scored AS (
    SELECT revision_id, site, recorded_quality, computed_quality,
           recorded_quality - computed_quality AS gap,
           abs(recorded_quality - computed_quality) >= $disagreement_margin AS disagrees
    FROM {{rows}}
    WHERE computed_quality IS NOT NULL AND recorded_quality IS NOT NULL
),
-- each side cut to $max_points on its own first (two small top-N passes instead of one sort of every post)
picked AS (
    (SELECT * FROM scored WHERE disagrees ORDER BY abs(gap) DESC, revision_id LIMIT $max_points)
    UNION ALL
    (SELECT * FROM scored WHERE NOT disagrees ORDER BY hash(revision_id), revision_id LIMIT $max_points)
),
drawn AS (
    SELECT *, row_number() OVER (ORDER BY disagrees DESC, CASE WHEN disagrees THEN -abs(gap) ELSE hash(revision_id) END,
                                          revision_id) AS point
    FROM picked
    QUALIFY point <= $max_points
)
SELECT t.post_id, d.site, t.title, d.recorded_quality, d.computed_quality, d.gap, d.disagrees, d.point
FROM drawn AS d
LEFT JOIN posts AS t ON t.revision_id = d.revision_id
ORDER BY d.point
