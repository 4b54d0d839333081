-- name: duplicate-related-posts
-- Unchanged posts that share an LSH bucket, an article or a title with the new/changed posts in the registered relations dup_new_keys(band, bucket) and dup_new_posts(post_id, article_key, title_key).
SELECT DISTINCT post_id FROM (
    SELECT s.post_id FROM duplicate_signatures s JOIN dup_new_keys k USING (band, bucket)
    UNION ALL
    SELECT s.post_id FROM duplicate_state s JOIN dup_new_posts n ON s.article_key = n.article_key
    UNION ALL
    SELECT s.post_id FROM duplicate_state s JOIN dup_new_posts n ON s.title_key = n.title_key
)
WHERE post_id NOT IN (SELECT post_id FROM dup_new_posts);
