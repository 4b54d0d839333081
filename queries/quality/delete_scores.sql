-- name: quality/delete_scores
-- Remove the score rows of posts that changed, disappeared or are about to be scored again.
DELETE FROM quality_scores
WHERE post_id IN (SELECT post_id FROM quality_changes)
   OR post_id IN (SELECT post_id FROM quality_affected)
