-- name: export/_copy_csv
-- Stream an export's rows to a UTF-8 CSV file with a header; {{columns}} renders lists and neutralises formulas.
COPY (SELECT {{columns}} FROM {{rows}}) TO $out_path (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"')
