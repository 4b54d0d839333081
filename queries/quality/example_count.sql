-- name: quality/example_count
-- How many sentences of quality_needed_texts have their example post in quality_needed_examples.
SELECT count(*) FROM quality_needed_examples
