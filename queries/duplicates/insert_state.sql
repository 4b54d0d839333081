-- name: duplicates/insert_state
-- Store the incremental state of the posts in the registered relation dup_state.
-- input: dup_state
INSERT INTO duplicate_state BY NAME SELECT post_id, article_hash, article_key, title_key, run_id FROM dup_state;
