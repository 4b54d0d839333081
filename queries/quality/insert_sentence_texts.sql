-- name: quality/insert_sentence_texts
-- Record the text of the needed template sentences found in the example posts' sentences (registered as quality_texts(revision_id, post_id, sentence_hash, sentence)).
-- input: quality_texts
INSERT INTO template_sentence_texts
SELECT DISTINCT ON (e.sentence_hash) e.sentence_hash, x.sentence, x.post_id
FROM quality_needed_examples AS e
JOIN quality_texts AS x ON x.revision_id = e.revision_id AND x.sentence_hash = e.sentence_hash
