-- name: duplicates/insert_verdict
-- Record one editor verdict on a pair or a canonical post.
INSERT INTO duplicate_verdicts (verdict_id, verdict, post_id_a, post_id_b, editor, decided_at, note)
VALUES ($verdict_id, $verdict, $post_id_a, $post_id_b, $editor, $decided_at, $note);
