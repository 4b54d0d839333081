-- name: review/queue_rows
-- Every post that needs a human now, with all its reasons in words (queue reasons first, then the last signal_texts: signals), its main reason, priority, freshness and last decision.
-- part: queue_keys = review/queue_keys
-- part: kinds = review/_reason_kinds(keys=keyed)
WITH keyed AS (SELECT * FROM {{queue_keys}}),
k AS (SELECT * FROM {{kinds}}),
worded AS (
    SELECT *,
           list_filter([
               CASE WHEN r_flagged THEN {'code': 'flagged', 'text': 'flagged: needs human review'} END,
               CASE WHEN r_stale_draft THEN
                   {'code': 'stale_draft', 'text': 'stale draft: last reviewed ' || review_age_days || ' days ago'} END,
               CASE WHEN r_never_reviewed_draft THEN
                   {'code': 'never_reviewed_draft', 'text': 'never-reviewed draft (' || status || ')'} END,
               CASE WHEN r_ai_unreviewed THEN
                   {'code': 'ai_unreviewed', 'text': 'AI-generated style, never reviewed'} END,
               CASE WHEN r_needs_update THEN {'code': 'needs_update', 'text': 'status: ' || status} END,
               CASE WHEN r_low_quality THEN
                   {'code': 'low_score', 'text': 'quality ' || score_quality || ' < ' || $watch_quality} END,
               CASE WHEN r_low_freshness THEN
                   {'code': 'low_score', 'text': 'freshness ' || score_freshness || ' < ' || $watch_freshness} END,
               CASE WHEN r_low_depth THEN
                   {'code': 'low_score', 'text': 'depth ' || score_depth || ' < ' || $watch_depth} END,
               CASE WHEN r_low_clarity THEN
                   {'code': 'low_score', 'text': 'clarity ' || score_clarity || ' < ' || $watch_clarity} END,
               CASE WHEN r_duplicate THEN
                   {'code': 'duplicate', 'text': 'near-duplicate of ' || duplicate_of
                                                 || coalesce(' (' || duplicate_similarity || ')', '')} END,
               CASE WHEN r_no_metadata THEN {'code': 'no_metadata', 'text': 'no metadata'} END,
               CASE WHEN r_parse_warnings THEN
                   {'code': 'parse_warnings',
                    'text': warning_count || CASE WHEN warning_count = 1 THEN ' parse warning'
                                                  ELSE ' parse warnings' END} END,
               CASE WHEN r_freshness_drift THEN
                   {'code': 'freshness_drift',
                    'text': 'recorded freshness ' || score_freshness || ' vs computed ' || computed_freshness} END,
               CASE WHEN content_changed THEN
                   {'code': 'content_changed',
                    'text': 'content changed since ' || replace(last_decision, '_', ' ') || ' by ' || last_reviewer
                            || ' on ' || strftime(last_decided_at, '%Y-%m-%d')} END,
               CASE WHEN r_computed_quality_low THEN
                   {'code': 'computed_quality_low',
                    'text': 'computed quality ' || computed_quality
                            || CASE WHEN computed_quality < $computed_low THEN ' < ' || $computed_low ELSE '' END
                            || coalesce(', ' || list_filter(quality_findings,
                                                            lambda t: starts_with(t, 'thin: '))[1], '')} END,
               CASE WHEN r_quality_disagreement THEN
                   {'code': 'quality_disagreement',
                    'text': 'recorded quality ' || score_quality || ' vs computed ' || computed_quality} END,
               CASE WHEN r_template_heavy THEN
                   {'code': 'template_heavy',
                    'text': 'template text: ' || round(100 * template_share)::INTEGER
                            || '% of sentences (each in ≥ ' || $template_min_posts || ' other posts)'} END,
               CASE WHEN r_metadata_mismatch THEN
                   {'code': 'metadata_mismatch',
                    'text': 'metadata mismatch: ' || array_to_string(list_filter(quality_findings, lambda t:
                                starts_with(t, 'reading time says') OR starts_with(t, 'payload claims')
                                OR starts_with(t, 'checklist item') OR starts_with(t, 'article checklist item')),
                            '; ')} END
           ], lambda r: r IS NOT NULL) AS all_reasons
    FROM k
),
ordered AS (     -- queue reasons first, then the signals
    SELECT *,
           list_concat(list_filter(all_reasons, lambda r: NOT list_contains($signals::VARCHAR[], r.code)),
                       list_filter(all_reasons, lambda r: list_contains($signals::VARCHAR[], r.code))) AS reason_list,
           len(list_filter(all_reasons, lambda r: list_contains($signals::VARCHAR[], r.code))) AS signal_texts
    FROM worded
)
SELECT post_id, site, title, status, difficulty, stack, last_reviewed, effective_last_reviewed, view_count,
       priority, main_reason,
       list_transform(reason_list, lambda r: r.text) AS reasons,
       reason_codes, queue_reasons, signal_reasons, signal_texts,
       array_to_string(list_transform(reason_list, lambda r: r.text), '; ') AS reasons_text,
       review_age_days, computed_freshness, band, freshness_gap,
       score_quality, score_freshness, score_depth, score_clarity,
       ai_generated_style, needs_human_review, has_meta, warning_count,
       duplicate_of, duplicate_similarity, computed_quality, template_share,
       in_queue, decided, content_changed,
       last_decision, last_reviewer, last_decided_at, last_note, assignee, merge_into, snooze_until,
       source_sha256, imported_at,
       half_life_days, aging_after_days, stale_after_days, drift_margin
FROM ordered
