-- name: quality/insert_signals
-- Append per-revision signals (registered as quality_chunk, rows of copydesk.quality.signals.table) to quality_signals.
-- input: quality_chunk
INSERT INTO quality_signals BY NAME SELECT * FROM quality_chunk
