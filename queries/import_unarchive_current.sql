-- name: import-unarchive-current
-- Remove from revision_archive the revisions import-refresh-posts made current again (each revision is stored once).
DELETE FROM revision_archive
WHERE revision_id IN (SELECT revision_id FROM posts WHERE post_id IN (SELECT post_id FROM chunk_affected))
