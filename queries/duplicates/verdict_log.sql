-- name: duplicates/verdict_log
-- Editors' duplicate verdicts, latest first.
SELECT verdict_id, verdict, post_id_a, post_id_b, editor, decided_at, note
FROM duplicate_verdicts
ORDER BY verdict_id DESC
LIMIT $limit;
