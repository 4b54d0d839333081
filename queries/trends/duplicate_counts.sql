-- name: trends/duplicate_counts
-- Near-duplicate pairs (at or above the latest run's threshold) and clusters of two or more posts from the latest duplicate detection, and how many runs there were.
SELECT (SELECT count(*) FROM near_duplicates
         WHERE kind IN ('exact', 'near')
           AND similarity >= coalesce((SELECT threshold FROM duplicate_runs ORDER BY run_id DESC LIMIT 1), 90))
                                                                                             AS near_duplicate_pairs,
       (SELECT count(DISTINCT cluster_id) FROM duplicate_clusters WHERE cluster_size > 1)    AS duplicate_clusters,
       (SELECT count(*) FROM duplicate_runs)                                                  AS runs
