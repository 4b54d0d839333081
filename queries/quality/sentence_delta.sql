-- name: quality/sentence_delta
-- How the number of current posts holding each sentence changes with quality_changes (each post counts a sentence once), with the counts before and after and the first new revision holding it, into the temporary table quality_delta.
-- first_revision_id: the lowest new current revision holding the sentence; when old_posts is 0 no
-- other current post holds it, so that revision is its example post (quality/new_sentence_examples).
CREATE OR REPLACE TEMP TABLE quality_delta AS
WITH moves AS (
    SELECT unnest(list_slice(s.sentence_hashes, 1, s.distinct_sentences)) AS sentence_hash, -1 AS delta,
           NULL::BIGINT AS revision_id
    FROM quality_changes AS c JOIN quality_signals AS s ON s.revision_id = c.old_revision_id
    UNION ALL
    SELECT unnest(list_slice(s.sentence_hashes, 1, s.distinct_sentences)) AS sentence_hash, 1 AS delta,
           s.revision_id
    FROM quality_changes AS c JOIN quality_signals AS s ON s.revision_id = c.new_revision_id
), net AS (
    SELECT sentence_hash, sum(delta)::INTEGER AS delta, min(revision_id) AS first_revision_id
    FROM moves
    GROUP BY sentence_hash
    HAVING sum(delta) <> 0
)
SELECT n.sentence_hash, coalesce(c.posts, 0) AS old_posts, coalesce(c.posts, 0) + n.delta AS new_posts,
       n.first_revision_id
FROM net AS n
LEFT JOIN template_sentence_counts AS c ON c.sentence_hash = n.sentence_hash
