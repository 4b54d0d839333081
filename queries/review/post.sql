-- name: review/post
-- One post with its article and metadata, for the triage view.
SELECT post_id, site, title, body, topic, summary, status, version, last_reviewed, view_count, reading_time,
       difficulty, code_language, score_quality, score_freshness, score_depth, score_clarity,
       ai_generated_style, has_images, image_heavy, needs_human_review, stack, tools, reference,
       content_hash, has_meta, warnings, source_file, source_sha256, batch_id, imported_at
FROM posts
WHERE post_id = $post_id
