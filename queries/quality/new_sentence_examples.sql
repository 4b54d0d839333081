-- name: quality/new_sentence_examples
-- Start the temporary table quality_needed_examples with the sentences of quality_needed_texts that no current post held before quality_changes (old_posts 0 in quality_delta): every current post holding one is new, so its example is the first new revision holding it, found by quality/sentence_delta without another pass over quality_signals.
CREATE OR REPLACE TEMP TABLE quality_needed_examples AS
SELECT d.sentence_hash, d.first_revision_id AS revision_id
FROM quality_needed_texts AS n
JOIN quality_delta AS d ON d.sentence_hash = n.sentence_hash
WHERE d.old_posts = 0
