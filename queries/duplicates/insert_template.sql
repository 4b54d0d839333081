-- name: duplicates/insert_template
-- Store the template shingles of a full run from the registered relation dup_template.
-- input: dup_template
INSERT INTO duplicate_template SELECT shingle FROM dup_template;
