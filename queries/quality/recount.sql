-- name: quality/recount
-- Rebuild template_sentence_counts from scratch: for every normalised prose sentence of the current posts, how many current posts hold it.
DELETE FROM template_sentence_counts;
INSERT INTO template_sentence_counts
SELECT sentence_hash, count(*)::INTEGER AS posts
FROM (
    SELECT unnest(list_slice(s.sentence_hashes, 1, s.distinct_sentences)) AS sentence_hash
    FROM posts AS p JOIN quality_signals AS s ON s.revision_id = p.revision_id
)
GROUP BY sentence_hash;
