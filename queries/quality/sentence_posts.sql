-- name: quality/sentence_posts
-- How many current posts hold each of the given sentence hashes ($hashes; hashes no current post holds are left out).
SELECT sentence_hash, posts
FROM template_sentence_counts
WHERE sentence_hash IN (SELECT unnest($hashes::UBIGINT[]))
