-- name: queue_duplicates
-- Synthetic near-duplicate clusters: every 50th post is canonical for the next two .
INSERT INTO duplicate_clusters BY NAME
SELECT (i // 50) AS cluster_id, printf('site%d-%07d', i % 8, i) AS post_id, 3 AS cluster_size,
       i % 50 = 0 AS is_canonical, printf('site%d-%07d', (i - i % 50) % 8, i - i % 50) AS canonical_post_id,
       CASE WHEN i % 50 = 0 THEN 'most viewed' END AS reason, 90.0 AS threshold, 1 AS run_id
FROM range($n) AS t(i)
WHERE i % 50 < 3
