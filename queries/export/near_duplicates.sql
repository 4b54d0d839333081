-- name: export/near_duplicates
-- Near-duplicate pairs with both posts' titles and sites; only pairs touching the filtered posts ({{posts}}) when $filtered.
-- part: posts = review/post_freshness
WITH f AS (SELECT post_id FROM {{posts}})
SELECT d.post_id_a, a.site AS site_a, a.title AS title_a,
       d.post_id_b, b.site AS site_b, b.title AS title_b,
       round(d.similarity, 1) AS similarity, round(d.title_similarity, 1) AS title_similarity, d.kind,
       ca.cluster_id
FROM near_duplicates d
LEFT JOIN posts a ON a.post_id = d.post_id_a
LEFT JOIN posts b ON b.post_id = d.post_id_b
LEFT JOIN duplicate_clusters ca ON ca.post_id = d.post_id_a
WHERE NOT $filtered
   OR d.post_id_a IN (SELECT post_id FROM f)
   OR d.post_id_b IN (SELECT post_id FROM f)
ORDER BY d.similarity DESC, d.post_id_a, d.post_id_b
