-- name: export/template_sentences
-- The template sentences of the corpus (the template_sentences view): normalised sentence, how many current posts hold it, an example post; most widespread first.
SELECT sentence, posts, example_post_id
FROM template_sentences
ORDER BY posts DESC, sentence
