-- name: ingest/chunk_winners
-- Revisions of this chunk (chunk_revisions) that beat the current row of their post (posts of chunk_fast, current rows from {{current_rows}}): higher version, then later last_reviewed, then later import.
-- part: current_rows = ingest/_current_rows_by_post
-- input: chunk_fast
-- input: chunk_revisions
WITH candidates AS (
    SELECT post_id, revision_id, version, last_reviewed, imported_at
    FROM chunk_revisions
    WHERE post_id IN (SELECT post_id FROM chunk_fast)
    UNION ALL
    SELECT post_id, -1 AS revision_id, version, last_reviewed, imported_at   -- the current row: older than any chunk revision
    FROM {{current_rows}} AS c
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
