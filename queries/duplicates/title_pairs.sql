-- name: duplicates/title_pairs
-- Title duplicates: pairs of posts with the same normalised title whose articles are not duplicates at $threshold.
SELECT n.post_id_a, n.post_id_b, a.title, n.similarity AS article_similarity,
       a.view_count AS views_a, b.view_count AS views_b
FROM near_duplicates n
LEFT JOIN posts a ON a.post_id = n.post_id_a
LEFT JOIN posts b ON b.post_id = n.post_id_b
WHERE n.kind = 'title' AND coalesce(n.similarity, 0) < $threshold
ORDER BY a.title, n.post_id_a, n.post_id_b
LIMIT $limit;
