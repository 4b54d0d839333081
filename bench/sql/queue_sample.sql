-- name: queue_sample
-- A reproducible spread of $k post ids to decide on.
SELECT post_id FROM posts WHERE hash(post_id) % (SELECT greatest(count(*) // $k, 1) FROM posts) = 0 LIMIT $k
