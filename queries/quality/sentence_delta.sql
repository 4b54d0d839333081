-- name: quality/sentence_delta
-- How the number of current posts holding each sentence changes with quality_changes (each post counts a sentence once), with the counts before and after, into the temporary table quality_delta.
CREATE OR REPLACE TEMP TABLE quality_delta AS
WITH moves AS (
    SELECT unnest(list_distinct(s.sentence_hashes)) AS sentence_hash, -1 AS delta
    FROM quality_changes AS c JOIN quality_signals AS s ON s.revision_id = c.old_revision_id
    UNION ALL
    SELECT unnest(list_distinct(s.sentence_hashes)) AS sentence_hash, 1 AS delta
    FROM quality_changes AS c JOIN quality_signals AS s ON s.revision_id = c.new_revision_id
), net AS (
    SELECT sentence_hash, sum(delta)::INTEGER AS delta
    FROM moves
    GROUP BY sentence_hash
    HAVING sum(delta) <> 0
)
SELECT n.sentence_hash, coalesce(c.posts, 0) AS old_posts, coalesce(c.posts, 0) + n.delta AS new_posts
FROM net AS n
LEFT JOIN template_sentence_counts AS c ON c.sentence_hash = n.sentence_hash
