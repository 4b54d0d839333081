-- name: quality/reported_sentence_texts
-- Record the text of the needed template sentences that the parser processes reported (registered as quality_reported_texts(sentence_hash, sentence), repeats possible), with the example post of quality_needed_examples, and leave in quality_needed_examples only the sentences still without text.
-- input: quality_reported_texts
INSERT INTO template_sentence_texts
SELECT DISTINCT ON (e.sentence_hash) e.sentence_hash, t.sentence, p.post_id
FROM quality_needed_examples AS e
JOIN quality_reported_texts AS t ON t.sentence_hash = e.sentence_hash
JOIN posts AS p ON p.revision_id = e.revision_id;
DELETE FROM quality_needed_examples
WHERE sentence_hash IN (SELECT sentence_hash FROM quality_reported_texts);
