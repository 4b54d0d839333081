-- name: duplicates/chunk_keys
-- Hash keys and lengths of the normalised articles and titles in the registered relation dup_chunk.
-- input: dup_chunk
SELECT hash(article) AS article_key, hash(title_norm) AS title_key, length(article) AS article_length
FROM dup_chunk;
