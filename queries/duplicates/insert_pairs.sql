-- name: duplicates/insert_pairs
-- Store pairs from the registered relation dup_pairs.
-- input: dup_pairs
INSERT INTO near_duplicates BY NAME SELECT post_id_a, post_id_b, similarity, title_similarity, kind, run_id FROM dup_pairs;
