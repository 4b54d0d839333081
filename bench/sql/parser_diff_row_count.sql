-- name: parser_diff_row_count
-- Rows of {{tab}} in the attached database {{db}}.
-- choose: db = rev | cur
-- choose: tab = post_revisions | posts | import_files | import_batches
SELECT count(*) FROM {{db}}.{{tab}}
