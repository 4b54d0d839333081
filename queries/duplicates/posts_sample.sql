-- name: duplicates/posts_sample
-- A deterministic pseudo-random sample of $n posts (title, body), to find template text.
SELECT title, body FROM posts ORDER BY hash(post_id), post_id LIMIT $n;
