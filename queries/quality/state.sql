-- name: quality/state
-- The signals version and [quality] settings the stored scores were computed with (no row before the first computation).
SELECT signals_version, settings FROM quality_state
