-- name: ingest/insert_files
-- Append the chunk's ledger rows (registered as chunk_ledger) to import_files.
-- input: chunk_ledger
INSERT INTO import_files BY NAME SELECT * FROM chunk_ledger
