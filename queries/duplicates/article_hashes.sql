-- name: duplicates/article_hashes
-- posts.article_hash of the posts in the registered relation dup_ids(post_id, ord), for change detection.
-- input: dup_ids
SELECT i.ord, p.article_hash FROM dup_ids i LEFT JOIN posts p USING (post_id);
