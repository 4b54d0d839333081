-- name: quality/affected_flipped
-- Add to quality_affected the current posts whose revision is in quality_flipped_revisions (they hold a sentence that became, or stopped being, template text).
INSERT INTO quality_affected
SELECT p.post_id, p.revision_id
FROM posts AS p
WHERE p.revision_id IN (SELECT revision_id FROM quality_flipped_revisions)
  AND p.post_id NOT IN (SELECT post_id FROM quality_affected);
DROP TABLE quality_flipped_revisions;
