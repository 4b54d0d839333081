-- name: duplicates/forget_posts
-- Drop pairs, state and band keys of the posts in the registered relation dup_forget(post_id).
-- input: dup_forget
DELETE FROM near_duplicates WHERE post_id_a IN (SELECT post_id FROM dup_forget) OR post_id_b IN (SELECT post_id FROM dup_forget);
DELETE FROM duplicate_state WHERE post_id IN (SELECT post_id FROM dup_forget);
DELETE FROM duplicate_signatures WHERE post_id IN (SELECT post_id FROM dup_forget);
