-- name: ingest/refresh_posts
-- Re-derive the current row of each affected post (chunk_affected): its best live revision (version, then last_reviewed, then import order) becomes current, no other.
-- input: chunk_affected
UPDATE post_revisions AS r SET is_current = (r.revision_id = b.revision_id)
FROM (
    SELECT post_id, revision_id
    FROM post_revisions
    WHERE live AND post_id IN (SELECT post_id FROM chunk_affected)
    QUALIFY row_number() OVER (
        PARTITION BY post_id
        ORDER BY version_key(version) DESC NULLS LAST,
                 last_reviewed DESC NULLS LAST,
                 imported_at DESC,
                 revision_id DESC
    ) = 1
) AS b
WHERE r.post_id = b.post_id AND r.live
