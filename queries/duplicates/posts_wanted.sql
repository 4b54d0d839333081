-- name: duplicates/posts_wanted
-- Title and body of the posts listed in the registered relation dup_wanted(post_id, ord).
-- input: dup_wanted
SELECT w.ord, p.title, p.body
FROM posts p
JOIN dup_wanted w USING (post_id);
