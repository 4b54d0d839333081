-- name: batches-insert-frame
-- Append import batches from the registered DataFrame "frame" (columns by name; test and benchmark databases).
INSERT INTO import_batches BY NAME SELECT * FROM frame
