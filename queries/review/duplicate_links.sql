-- name: review/duplicate_links
-- Each non-canonical member of a near-duplicate cluster with its canonical post and their similarity (0-100).
WITH members AS (
    SELECT post_id, cluster_id, canonical_post_id
    FROM duplicate_clusters
    WHERE NOT is_canonical AND post_id <> canonical_post_id
),
pairs AS (       -- exact/near pairs seen from both ends
    SELECT post_id_a AS post_id, post_id_b AS other_id, similarity FROM near_duplicates WHERE kind <> 'title'
    UNION ALL
    SELECT post_id_b AS post_id, post_id_a AS other_id, similarity FROM near_duplicates WHERE kind <> 'title'
),
pair_sims AS (   -- similarity to the canonical post if that pair was stored, else the best within the cluster
    SELECT m.post_id,
           max(p.similarity) FILTER (WHERE p.other_id = m.canonical_post_id) AS to_canonical,
           max(p.similarity) AS best_in_cluster
    FROM members AS m
    JOIN pairs AS p ON p.post_id = m.post_id
    JOIN duplicate_clusters AS o ON o.cluster_id = m.cluster_id AND o.post_id = p.other_id
    GROUP BY m.post_id
)
SELECT m.post_id,
       any_value(m.canonical_post_id) AS duplicate_of,
       round(any_value(coalesce(s.to_canonical, s.best_in_cluster)))::INTEGER AS duplicate_similarity
FROM members AS m
LEFT JOIN pair_sims AS s ON s.post_id = m.post_id
GROUP BY m.post_id
