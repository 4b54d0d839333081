-- name: review/duplicate_links_none
-- Stand-in for review/duplicate_links when the near-duplicate tables do not exist: no rows, same columns.
SELECT NULL::VARCHAR AS post_id, NULL::VARCHAR AS duplicate_of, NULL::INTEGER AS duplicate_similarity
WHERE false
