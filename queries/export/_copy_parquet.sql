-- name: export/_copy_parquet
-- Stream an export's rows, with their native types, to a Parquet file (zstd).
COPY {{rows}} TO $out_path (FORMAT parquet, COMPRESSION zstd)
