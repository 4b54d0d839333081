-- name: quality/changes
-- Posts whose counted revision differs from their current one (new, changed or removed since the last quality computation), into the temporary table quality_changes.
CREATE OR REPLACE TEMP TABLE quality_changes AS
SELECT coalesce(p.post_id, q.post_id) AS post_id,
       q.revision_id AS old_revision_id,        -- NULL: a new post
       p.revision_id AS new_revision_id         -- NULL: the post is gone
FROM (SELECT post_id, revision_id FROM posts) AS p
FULL OUTER JOIN (SELECT post_id, revision_id FROM quality_scores) AS q ON q.post_id = p.post_id
WHERE p.revision_id IS DISTINCT FROM q.revision_id
