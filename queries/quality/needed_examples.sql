-- name: quality/needed_examples
-- Add to quality_needed_examples, for each sentence of quality_needed_texts not in it yet, the first current revision holding it.
-- The sentences are unnested from quality_signals alone and materialised first: DuckDB 2.0.0 fails
-- ("dict-surviving join ... not single-source") on a hash join fed by the UNNEST of another join.
CREATE OR REPLACE TEMP TABLE quality_held AS
SELECT revision_id, sentence_hash
FROM (SELECT revision_id, unnest(list_slice(sentence_hashes, 1, distinct_sentences)) AS sentence_hash
      FROM quality_signals)
WHERE sentence_hash IN (SELECT n.sentence_hash
                        FROM quality_needed_texts AS n
                        ANTI JOIN quality_needed_examples AS e ON e.sentence_hash = n.sentence_hash);
INSERT INTO quality_needed_examples
SELECT h.sentence_hash, min(h.revision_id) AS revision_id
FROM quality_held AS h
WHERE h.revision_id IN (SELECT revision_id FROM posts)
GROUP BY h.sentence_hash;
DROP TABLE quality_held;
