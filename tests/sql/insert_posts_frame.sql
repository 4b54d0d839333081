-- name: insert_posts_frame
-- Append current posts from the registered DataFrame "frame" (columns by name; test and benchmark databases) as new revisions.
-- input: frame
INSERT INTO post_revisions BY NAME
SELECT *, (SELECT coalesce(max(revision_id), 0) FROM post_revisions) + row_number() OVER () AS revision_id, true AS live, true AS is_current FROM frame
