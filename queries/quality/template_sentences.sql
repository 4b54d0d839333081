-- name: quality/template_sentences
-- The boilerplate of the corpus: every template sentence (normalised text), how many current posts hold it, and an example post (the template_sentences view).
SELECT t.sentence, c.posts, t.example_post_id, c.sentence_hash
FROM template_sentence_counts AS c
JOIN template_sentence_texts AS t ON t.sentence_hash = c.sentence_hash
WHERE c.posts > (SELECT coalesce(max(CAST(json_extract_string(settings, '$.template_min_posts') AS INTEGER)), 5)
                 FROM quality_state)
