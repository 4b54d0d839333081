-- name: review/decision_reviews_none
-- Stand-in for review/decision_reviews when the review tables do not exist: no rows, same columns.
SELECT NULL::VARCHAR AS post_id, NULL::DATE AS decision_reviewed
WHERE false
