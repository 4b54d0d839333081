-- name: ingest/chunk_winners_by_id
-- ingest/chunk_winners when the current rows to compare with are known by revision id (chunk_current: an import into an empty database tracks the current revision of each post it wrote): the look-up skips every row group but theirs instead of scanning post_revisions.
-- input: chunk_fast
-- input: chunk_revisions
-- input: chunk_current
WITH candidates AS (
    SELECT post_id, revision_id, version, last_reviewed, imported_at
    FROM chunk_revisions
    WHERE post_id IN (SELECT post_id FROM chunk_fast)
    UNION ALL
    SELECT post_id, -1 AS revision_id, version, last_reviewed, imported_at   -- the current row: older than any chunk revision
    FROM post_revisions
    WHERE revision_id IN (SELECT revision_id FROM chunk_current)
)
SELECT post_id, revision_id
FROM candidates
QUALIFY row_number() OVER (
    PARTITION BY post_id
    ORDER BY version_key(version) DESC NULLS LAST,
             last_reviewed DESC NULLS LAST,
             imported_at DESC,
             revision_id DESC
) = 1 AND revision_id >= 0
