-- name: queue-duplicate-links-none
-- Stand-in for queue-duplicate-links when the near-duplicate tables do not exist: no rows, same columns.
SELECT NULL::VARCHAR AS post_id, NULL::VARCHAR AS duplicate_of, NULL::INTEGER AS duplicate_similarity
WHERE false
