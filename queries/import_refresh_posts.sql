-- name: import-refresh-posts
-- Re-derive the current row of each affected post (chunk_affected) from its archived revisions: the best live one (version, then last_reviewed, then import order).
INSERT INTO posts BY NAME
SELECT * EXCLUDE (live)
FROM revision_archive
WHERE live AND post_id IN (SELECT post_id FROM chunk_affected)
QUALIFY row_number() OVER (
    PARTITION BY post_id
    ORDER BY version_key(version) DESC NULLS LAST,
             last_reviewed DESC NULLS LAST,
             imported_at DESC,
             revision_id DESC
) = 1
