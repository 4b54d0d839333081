-- name: quality/delete_state
-- Remove the record of the previous quality computation (quality/save_state adds the new one).
DELETE FROM quality_state
