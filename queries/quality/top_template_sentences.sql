-- name: quality/top_template_sentences
-- The $limit most widespread template sentences of the corpus (sentence, posts holding it, example post) and how many there are in all.
SELECT sentence, posts, example_post_id, count(*) OVER () AS total
FROM template_sentences
ORDER BY posts DESC, sentence
LIMIT $limit
