-- name: review/post_duplicates
-- The near-duplicates of one post, most similar first.
SELECT CASE WHEN n.post_id_a = $post_id THEN n.post_id_b ELSE n.post_id_a END AS other_post_id,
       p.title AS other_title, n.similarity, n.title_similarity, n.kind
FROM near_duplicates AS n
LEFT JOIN posts AS p ON p.post_id = CASE WHEN n.post_id_a = $post_id THEN n.post_id_b ELSE n.post_id_a END
WHERE n.post_id_a = $post_id OR n.post_id_b = $post_id
ORDER BY n.similarity DESC, other_post_id
