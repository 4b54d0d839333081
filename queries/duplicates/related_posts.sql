-- name: duplicates/related_posts
-- Unchanged posts with the same normalised article or title as a new/changed post in the registered relation dup_new_posts(post_id, article_key, title_key).
-- input: dup_new_posts
SELECT DISTINCT post_id FROM (
    SELECT s.post_id FROM duplicate_state s JOIN dup_new_posts n ON s.article_key = n.article_key
    UNION ALL
    SELECT s.post_id FROM duplicate_state s JOIN dup_new_posts n ON s.title_key = n.title_key
)
WHERE post_id NOT IN (SELECT post_id FROM dup_new_posts);
