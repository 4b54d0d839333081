-- name: quality/page_distribution
-- Posts per 10-point bucket (lower edge 0 ... 90; 100 falls in 90) of computed and of recorded quality over {{rows}} (quality/page_rows), every bucket listed; posts without a value are not counted.
-- part: rows = quality/page_rows
WITH buckets AS (SELECT unnest(range(0, 100, 10)) AS bucket),
kinds AS (SELECT unnest(['computed', 'recorded']) AS kind),
counted AS (
    SELECT 'computed' AS kind, least(computed_quality // 10, 9) * 10 AS bucket, count(*) AS posts
    FROM {{rows}} WHERE computed_quality IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT 'recorded', least(greatest(recorded_quality, 0) // 10, 9) * 10, count(*)
    FROM {{rows}} WHERE recorded_quality IS NOT NULL GROUP BY ALL
)
SELECT k.kind, b.bucket, coalesce(c.posts, 0) AS posts
FROM kinds AS k CROSS JOIN buckets AS b
LEFT JOIN counted AS c ON c.kind = k.kind AND c.bucket = b.bucket
ORDER BY k.kind, b.bucket
