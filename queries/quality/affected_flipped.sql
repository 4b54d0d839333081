-- name: quality/affected_flipped
-- Add to quality_affected the current posts holding a sentence that became, or stopped being, template text.
INSERT INTO quality_affected
SELECT p.post_id, p.revision_id
FROM posts AS p
JOIN quality_signals AS s ON s.revision_id = p.revision_id
WHERE list_has_any(s.sentence_hashes, (
        SELECT list(sentence_hash) FROM quality_delta
        WHERE (old_posts > $template_min_posts) <> (new_posts > $template_min_posts)))
  AND p.post_id NOT IN (SELECT post_id FROM quality_affected)
