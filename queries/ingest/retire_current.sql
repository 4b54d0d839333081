-- name: ingest/retire_current
-- The current rows of posts whose winner is now a revision of this chunk (chunk_winners) stop being current (they stay live revisions).
-- input: chunk_winners
UPDATE post_revisions SET is_current = false
WHERE is_current AND post_id IN (SELECT post_id FROM chunk_winners)
