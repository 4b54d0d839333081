-- name: quality/example_bodies
-- The bodies of the example posts of quality_needed_examples (their sentences are split again to recover the template sentences' text).
SELECT p.revision_id, p.post_id, p.body
FROM posts AS p
WHERE p.revision_id IN (SELECT revision_id FROM quality_needed_examples)
