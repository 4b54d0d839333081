-- name: quality/save_state
-- Record the signals version and [quality] settings of the computation that just finished (replaces the previous row).
INSERT INTO quality_state
SELECT $signals_version, $settings, $batch_id, $computed_at
