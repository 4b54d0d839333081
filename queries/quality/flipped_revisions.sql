-- name: quality/flipped_revisions
-- The revisions holding a sentence that became, or stopped being, template text (quality_delta), into the temporary table quality_flipped_revisions.
-- Unnested from quality_signals alone and materialised: 20x faster than list_has_any per post, and
-- DuckDB 2.0.0 fails on a hash join fed by the UNNEST of another join (see quality/needed_examples).
CREATE OR REPLACE TEMP TABLE quality_flipped_revisions AS
SELECT DISTINCT revision_id
FROM (SELECT revision_id, unnest(list_slice(sentence_hashes, 1, distinct_sentences)) AS sentence_hash FROM quality_signals)
WHERE sentence_hash IN (SELECT sentence_hash FROM quality_delta
                        WHERE (old_posts > $template_min_posts) <> (new_posts > $template_min_posts))
