-- name: quality/insert_pending_texts
-- Append the sentence texts a parser process reported for a chunk (registered as quality_chunk_texts(sentence_hash, sentence)) to quality_pending_texts.
-- input: quality_chunk_texts
INSERT INTO quality_pending_texts BY NAME SELECT * FROM quality_chunk_texts
