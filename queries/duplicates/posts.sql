-- name: duplicates/posts
-- Every post's id, title and body: the input of the duplicate engine (streamed).
SELECT post_id, title, body FROM posts;
