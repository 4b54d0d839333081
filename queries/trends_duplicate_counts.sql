-- name: duplicate-counts
-- Near-duplicate pairs and clusters (of two or more posts) from the latest duplicate detection, and how many runs there were.
SELECT (SELECT count(*) FROM near_duplicates WHERE kind IN ('exact', 'near'))                 AS near_duplicate_pairs,
       (SELECT count(DISTINCT cluster_id) FROM duplicate_clusters WHERE cluster_size > 1)    AS duplicate_clusters,
       (SELECT count(*) FROM duplicate_runs)                                                  AS runs
