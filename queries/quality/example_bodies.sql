-- name: quality/example_bodies
-- The bodies of the example posts of quality_needed_examples, with the hashes of the template sentences each is the example of (their sentences are split again to recover those sentences' text).
SELECT p.body, e.hashes
FROM posts AS p
JOIN (SELECT revision_id, list(sentence_hash) AS hashes FROM quality_needed_examples GROUP BY revision_id) AS e
  ON e.revision_id = p.revision_id
