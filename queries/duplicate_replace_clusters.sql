-- name: duplicate-replace-clusters
-- Replace all clusters with those in the registered relation dup_clusters.
DELETE FROM duplicate_clusters;
INSERT INTO duplicate_clusters BY NAME SELECT * FROM dup_clusters;
