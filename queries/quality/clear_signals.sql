-- name: quality/clear_signals
-- Forget every per-revision signal (their definitions changed: signals_version), with the counts and scores built on them.
DELETE FROM quality_signals;
DELETE FROM template_sentence_counts;
DELETE FROM quality_scores;
DELETE FROM template_sentence_texts;
DELETE FROM quality_state;
