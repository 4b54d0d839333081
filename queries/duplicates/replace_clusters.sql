-- name: duplicates/replace_clusters
-- Replace all clusters with those in the registered relation dup_clusters.
-- input: dup_clusters
DELETE FROM duplicate_clusters;
INSERT INTO duplicate_clusters BY NAME SELECT * FROM dup_clusters;
