-- name: quality/record_sentence_texts
-- Record the text of the needed template sentences found (registered as quality_found_texts(sentence_hash, sentence), repeats possible: reported by the parser processes, or split again from example bodies) with the example post of quality_needed_examples, and leave in quality_needed_examples only the sentences still without text.
-- input: quality_found_texts
INSERT INTO template_sentence_texts
SELECT DISTINCT ON (e.sentence_hash) e.sentence_hash, t.sentence, p.post_id
FROM quality_needed_examples AS e
JOIN quality_found_texts AS t ON t.sentence_hash = e.sentence_hash
JOIN posts AS p ON p.revision_id = e.revision_id;
DELETE FROM quality_needed_examples
WHERE sentence_hash IN (SELECT sentence_hash FROM quality_found_texts);
