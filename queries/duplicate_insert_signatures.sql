-- name: duplicate-insert-signatures
-- Store MinHash signatures from the registered relation dup_signatures(post_id, sig).
INSERT INTO duplicate_signatures BY NAME SELECT post_id, sig FROM dup_signatures;
