-- name: export/_count_rows
-- How many rows an export's SELECT ({{rows}}) returns.
SELECT count(*) AS n FROM {{rows}}
