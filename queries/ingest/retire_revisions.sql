-- name: ingest/retire_revisions
-- ingest/retire_current by revision id: the current rows listed in chunk_retired stop being current (they stay live revisions).
-- input: chunk_retired
UPDATE post_revisions SET is_current = false
WHERE revision_id IN (SELECT revision_id FROM chunk_retired)
