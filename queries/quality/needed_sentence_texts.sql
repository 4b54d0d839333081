-- name: quality/needed_sentence_texts
-- Template sentences whose text is not recorded yet, into the temporary table quality_needed_texts.
CREATE OR REPLACE TEMP TABLE quality_needed_texts AS
SELECT c.sentence_hash
FROM template_sentence_counts AS c
ANTI JOIN template_sentence_texts AS t ON t.sentence_hash = c.sentence_hash
WHERE c.posts > $template_min_posts
