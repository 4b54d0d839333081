-- name: parser_diff_columns
-- The columns (name, type) of table or view $table in the attached database $catalog, in order.
SELECT column_name, data_type
FROM information_schema.columns
WHERE table_catalog = $catalog AND table_name = $table
ORDER BY ordinal_position
