-- name: duplicates/changed_posts
-- Posts that are new or whose article changed since they were last compared.
SELECT p.post_id
FROM posts p
LEFT JOIN duplicate_state s USING (post_id)
WHERE s.post_id IS NULL OR s.article_hash IS DISTINCT FROM p.article_hash;
