-- name: quality/needed_examples
-- For each sentence of quality_needed_texts, the first current revision holding it, into the temporary table quality_needed_examples (the current posts' sentences are materialised first: DuckDB 2.0.0 fails on a GROUP BY over a join fed by UNNEST).
CREATE OR REPLACE TEMP TABLE quality_held AS
SELECT u.revision_id, u.sentence_hash
FROM (
    SELECT s.revision_id, unnest(s.sentence_hashes) AS sentence_hash
    FROM posts AS p JOIN quality_signals AS s ON s.revision_id = p.revision_id
) AS u
WHERE u.sentence_hash IN (SELECT sentence_hash FROM quality_needed_texts);
CREATE OR REPLACE TEMP TABLE quality_needed_examples AS
SELECT sentence_hash, min(revision_id) AS revision_id
FROM quality_held
GROUP BY sentence_hash;
DROP TABLE quality_held;
