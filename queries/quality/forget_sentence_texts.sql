-- name: quality/forget_sentence_texts
-- Drop the recorded text of sentences that are no longer template text, or whose example post changed or disappeared (quality_changes).
DELETE FROM template_sentence_texts AS t
WHERE t.example_post_id IN (SELECT post_id FROM quality_changes)
   OR NOT EXISTS (SELECT 1 FROM template_sentence_counts AS c
                  WHERE c.sentence_hash = t.sentence_hash AND c.posts > $template_min_posts)
