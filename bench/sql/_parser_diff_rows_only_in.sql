-- name: _parser_diff_rows_only_in
-- Rows of {{tab}} in database {{a}} that database {{b}} lacks (as multisets), compared on the columns {{cols}}.
-- choose: a = rev | cur
-- choose: b = cur | rev
-- choose: tab = post_revisions | posts | import_files | import_batches
SELECT count(*) FROM (
    SELECT {{cols}} FROM {{a}}.{{tab}}
    EXCEPT ALL
    SELECT {{cols}} FROM {{b}}.{{tab}}
)
