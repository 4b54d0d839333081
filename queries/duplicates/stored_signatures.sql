-- name: duplicates/stored_signatures
-- Stored MinHash signatures of the posts that are not in the registered relation dup_new_posts (unchanged posts).
-- input: dup_new_posts
SELECT s.post_id, s.sig
FROM duplicate_signatures s
ANTI JOIN dup_new_posts n USING (post_id);
