-- name: quality/affected_changed
-- Start the temporary table quality_affected (posts to score) with the new and changed posts of quality_changes.
CREATE OR REPLACE TEMP TABLE quality_affected AS
SELECT post_id, new_revision_id AS revision_id
FROM quality_changes
WHERE new_revision_id IS NOT NULL
