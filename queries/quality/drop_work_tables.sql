-- name: quality/drop_work_tables
-- Drop the temporary tables of a quality computation (they would otherwise live as long as the connection).
DROP TABLE IF EXISTS quality_changes;
DROP TABLE IF EXISTS quality_delta;
DROP TABLE IF EXISTS quality_affected;
DROP TABLE IF EXISTS quality_affected_sentences;
DROP TABLE IF EXISTS quality_needed_texts;
DROP TABLE IF EXISTS quality_needed_examples;
