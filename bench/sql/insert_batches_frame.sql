-- name: insert_batches_frame
-- Append import batches from the registered DataFrame "frame" (columns by name; test and benchmark databases).
-- input: frame
INSERT INTO import_batches BY NAME SELECT * FROM frame
