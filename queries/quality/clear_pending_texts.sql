-- name: quality/clear_pending_texts
-- Empty quality_pending_texts once a quality computation has taken what it needed from it.
DELETE FROM quality_pending_texts
