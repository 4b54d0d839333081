-- name: quality/no_examples
-- Start the temporary table quality_needed_examples empty (a full recomputation has no quality_delta: quality/needed_examples finds every example).
CREATE OR REPLACE TEMP TABLE quality_needed_examples (sentence_hash UBIGINT, revision_id BIGINT)
