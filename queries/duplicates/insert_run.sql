-- name: duplicates/insert_run
-- Record a finished duplicate detection run (from the registered relation dup_run).
-- input: dup_run
INSERT INTO duplicate_runs BY NAME SELECT * FROM dup_run;
