-- name: export/csv_cells
-- Connection-local macros for CSV exports: lists joined with "; ", text cells neutralised against formula injection.
CREATE OR REPLACE TEMP MACRO csv_cell(x) AS
    CASE WHEN regexp_matches(x, '^[=+\-@\t\r]') THEN '''' || x ELSE x END;
CREATE OR REPLACE TEMP MACRO csv_list(x) AS
    csv_cell(array_to_string(x, '; '));
