-- name: duplicates/insert_signatures
-- Store MinHash signatures from the registered relation dup_signatures(post_id, sig).
-- input: dup_signatures
INSERT INTO duplicate_signatures BY NAME SELECT post_id, sig FROM dup_signatures;
