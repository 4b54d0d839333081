-- name: duplicates/pair_posts
-- The two posts of a pair ($post_id_a, $post_id_b) with what an editor needs to compare them.
SELECT post_id, site, title, body, status, score_quality, score_freshness, view_count, last_reviewed
FROM posts
WHERE post_id IN ($post_id_a, $post_id_b)
ORDER BY post_id;
