-- name: duplicate-insert-signatures
-- Store LSH band keys from the registered relation dup_signatures.
INSERT INTO duplicate_signatures BY NAME SELECT post_id, band, bucket FROM dup_signatures;
