-- name: duplicates/canonical_verdicts
-- Every post an editor confirmed as the canonical post of its cluster, latest first.
SELECT post_id_a AS post_id, editor, decided_at
FROM duplicate_verdicts
WHERE verdict = 'canonical'
ORDER BY verdict_id DESC;
