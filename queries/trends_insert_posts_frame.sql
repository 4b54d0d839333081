-- name: posts-insert-frame
-- Append posts from the registered DataFrame "frame" (columns by name; test and benchmark databases).
INSERT INTO posts BY NAME SELECT * FROM frame
