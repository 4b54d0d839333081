-- name: duplicates/memory_posts
-- The posts view of an in-memory duplicate run over a registered DataFrame posts_input(post_id, title, body); rows without an id are left out.
-- input: posts_input
CREATE OR REPLACE TEMP VIEW posts AS
SELECT CAST(post_id AS VARCHAR) AS post_id, CAST(title AS VARCHAR) AS title, CAST(body AS VARCHAR) AS body
FROM posts_input
WHERE post_id IS NOT NULL;
