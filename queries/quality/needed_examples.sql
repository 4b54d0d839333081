-- name: quality/needed_examples
-- For each sentence of quality_needed_texts, the first current revision holding it, into the temporary table quality_needed_examples.
-- The sentences are unnested from quality_signals alone and materialised first: DuckDB 2.0.0 fails
-- ("dict-surviving join ... not single-source") on a hash join fed by the UNNEST of another join.
CREATE OR REPLACE TEMP TABLE quality_held AS
SELECT revision_id, sentence_hash
FROM (SELECT revision_id, unnest(sentence_hashes) AS sentence_hash FROM quality_signals)
WHERE sentence_hash IN (SELECT sentence_hash FROM quality_needed_texts);
CREATE OR REPLACE TEMP TABLE quality_needed_examples AS
SELECT h.sentence_hash, min(h.revision_id) AS revision_id
FROM quality_held AS h
WHERE h.revision_id IN (SELECT revision_id FROM posts)
GROUP BY h.sentence_hash;
DROP TABLE quality_held;
