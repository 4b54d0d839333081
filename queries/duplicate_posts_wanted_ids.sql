-- name: duplicate-posts-wanted-ids
-- Id, title and body of the posts listed in the registered relation dup_wanted(post_id, ord), in that order.
SELECT p.post_id, p.title, p.body
FROM posts p
JOIN dup_wanted w USING (post_id)
ORDER BY w.ord;
