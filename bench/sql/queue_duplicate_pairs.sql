-- name: queue_duplicate_pairs
-- Synthetic near-duplicate pairs: each cluster member with its canonical post.
INSERT INTO near_duplicates BY NAME
SELECT printf('site%d-%07d', (i - i % 50) % 8, i - i % 50) AS post_id_a, printf('site%d-%07d', i % 8, i) AS post_id_b,
       90.0 + i % 10 AS similarity, 95.0 AS title_similarity, 'near' AS kind, 1 AS run_id
FROM range($n) AS t(i)
WHERE i % 50 IN (1, 2)
