-- name: export/_columns
-- The columns (names and types) of an export's rows ({{rows}}), without reading any row.
SELECT * FROM {{rows}} LIMIT 0
