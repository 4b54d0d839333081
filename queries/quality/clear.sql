-- name: quality/clear
-- Forget every corpus count and score (a full recomputation follows); per-revision signals are kept.
DELETE FROM template_sentence_counts;
DELETE FROM quality_scores;
DELETE FROM template_sentence_texts;
DELETE FROM quality_state;
