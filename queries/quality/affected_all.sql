-- name: quality/affected_all
-- Every current post into quality_affected (a full scoring: first run, or the [quality] policy changed).
CREATE OR REPLACE TEMP TABLE quality_affected AS
SELECT post_id, revision_id FROM posts
