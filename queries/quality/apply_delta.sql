-- name: quality/apply_delta
-- Apply quality_delta to template_sentence_counts: update the sentences already counted, add the new ones, drop those no current post holds any more.
UPDATE template_sentence_counts AS c SET posts = d.new_posts
FROM quality_delta AS d
WHERE c.sentence_hash = d.sentence_hash AND d.old_posts > 0 AND d.new_posts > 0;
DELETE FROM template_sentence_counts
WHERE sentence_hash IN (SELECT sentence_hash FROM quality_delta WHERE new_posts <= 0);
INSERT INTO template_sentence_counts
SELECT sentence_hash, new_posts FROM quality_delta WHERE old_posts = 0 AND new_posts > 0;
