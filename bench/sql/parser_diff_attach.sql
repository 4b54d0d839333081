-- name: parser_diff_attach
-- Attach the database file at $path, read-only, as {{db}} (parser_diff.py compares two imports).
-- choose: db = rev | cur
ATTACH $path AS {{db}} (READ_ONLY)
