-- name: duplicates/posts_wanted_ids
-- Id, title and body of the posts listed in the registered relation dup_wanted(post_id, ord), in that order.
-- input: dup_wanted
SELECT p.post_id, p.title, p.body
FROM posts p
JOIN dup_wanted w USING (post_id)
ORDER BY w.ord;
