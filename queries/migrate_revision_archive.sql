-- name: migrate-revision-archive
-- Move a first-layout database to one copy per revision: post_revisions (a table of every revision) becomes revision_archive without the current rows, posts gains revision_id, and schema-import then creates the post_revisions view.
ALTER TABLE post_revisions RENAME TO revision_archive;
ALTER TABLE posts ADD COLUMN revision_id BIGINT;
UPDATE posts AS p SET revision_id = r.revision_id
FROM revision_archive AS r
WHERE r.live AND r.post_id = p.post_id AND r.source_file = p.source_file AND r.source_sha256 = p.source_sha256;
DELETE FROM revision_archive WHERE revision_id IN (SELECT revision_id FROM posts WHERE revision_id IS NOT NULL);
