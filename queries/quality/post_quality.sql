-- name: quality/post_quality
-- One row per current post with copydesk's own quality signals, sub-scores, computed quality and findings (the post_quality view; NULLs until the post was scored).
SELECT
    p.post_id,
    s.word_count,
    s.sentence_count,
    s.paragraph_count,
    s.heading_count,
    s.list_item_count,
    s.avg_sentence_words,
    s.long_sentence_share,
    s.flesch_reading_ease,
    q.estimated_reading_minutes,
    q.reading_time_gap,
    p.paragraphs AS paragraphs_claimed,
    s.checklist_missing,
    s.checklist_extra,
    q.template_share,
    q.score_readability,
    q.score_structure,
    q.score_originality,
    q.score_consistency,
    q.score_substance,
    q.computed_quality,
    q.findings,
    q.finding_codes,
    q.template_sentences,
    s.longest_paragraph_words,
    p.score_quality AS recorded_quality,
    p.revision_id
FROM posts AS p
LEFT JOIN quality_signals AS s ON s.revision_id = p.revision_id
LEFT JOIN quality_scores AS q ON q.post_id = p.post_id AND q.revision_id = p.revision_id
