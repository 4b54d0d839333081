-- name: duplicates/pairs_csv
-- Duplicate pairs at/above $threshold (exact and near, not rejected by an editor) for the CSV export.
WITH pair_verdicts AS (
    SELECT post_id_a, post_id_b, verdict
    FROM duplicate_verdicts
    WHERE verdict IN ('not_duplicate', 'duplicate')
    QUALIFY row_number() OVER (PARTITION BY post_id_a, post_id_b ORDER BY verdict_id DESC) = 1
)
SELECT n.post_id_a, n.post_id_b, n.similarity, n.title_similarity,
       CASE WHEN n.kind = 'title' THEN 'near' ELSE n.kind END AS kind
FROM near_duplicates n
LEFT JOIN pair_verdicts v USING (post_id_a, post_id_b)
WHERE n.similarity >= $threshold
  AND v.verdict IS DISTINCT FROM 'not_duplicate'
ORDER BY n.post_id_a, n.post_id_b;
