-- name: quality/affected_sentences
-- The prose sentence hashes of the posts to score (quality_affected), one row per sentence, into the temporary table quality_affected_sentences.
-- Materialised on purpose: DuckDB 2.0.0 fails ("dict-surviving join ... not single-source") on a hash
-- join (here the GROUP BY of quality/score_posts) fed by the UNNEST of another join.
CREATE OR REPLACE TEMP TABLE quality_affected_sentences AS
SELECT a.revision_id, unnest(s.sentence_hashes) AS sentence_hash
FROM quality_affected AS a
JOIN quality_signals AS s ON s.revision_id = a.revision_id
