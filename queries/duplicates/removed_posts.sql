-- name: duplicates/removed_posts
-- Posts compared before that are no longer in posts.
SELECT s.post_id FROM duplicate_state s ANTI JOIN posts p USING (post_id);
