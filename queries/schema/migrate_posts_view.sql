-- name: schema/migrate_posts_view
-- Move a first-layout database to one copy per revision: post_revisions gains is_current (true for the revision posts held), and the posts table is dropped (schema/10_import then creates the posts view).
ALTER TABLE post_revisions ADD COLUMN is_current BOOLEAN NOT NULL DEFAULT false;
UPDATE post_revisions AS r SET is_current = true
FROM posts AS p
WHERE r.live AND r.post_id = p.post_id AND r.source_file = p.source_file AND r.source_sha256 = p.source_sha256;
DROP TABLE posts;
