-- name: review/assignees
-- Assignees named by current decisions, for the assignee filter.
SELECT DISTINCT assignee FROM review_state WHERE assignee IS NOT NULL ORDER BY assignee
