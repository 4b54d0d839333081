-- name: review/known_posts
-- Which of the given post ids exist in posts.
SELECT post_id FROM posts WHERE list_contains($post_ids::VARCHAR[], post_id)
