-- name: duplicates/post_count
-- Number of posts the duplicate engine will look at.
SELECT count(*) FROM posts;
