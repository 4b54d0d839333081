-- name: review/queue_keys
-- Every post with one flag per reason (r_<code>), its reason codes, whether one of them queues it, its priority and decision state (no text: cheap to sort and count).
-- part: post_freshness = review/post_freshness
-- part: duplicate_links = review/duplicate_links
-- part: quality_flags = review/quality_flags
--
-- Reasons come in two kinds, set in the policy ([queue] signals): a queue reason puts a post in the
-- open queue on its own; a signal (default: low_score, freshness_drift, parse_warnings) only adds its
-- severity to the priority and shows on the row.
--
-- TO ADD A REASON <code>:
--   1. copydesk/domain.py REASONS: the code and what it means (its position is the flags' order);
--   2. here, CTE `flagged`: a boolean column r_<code> (never NULL: wrap in coalesce(..., false));
--      and CTE `coded`: one line CASE WHEN r_<code> THEN '<code>' END, in REASONS order;
--   3. queries/review/queue_rows.sql: its words on the row;
--   4. copydesk/freshness.py DEFAULT_SEVERITY + policy.toml [priority.severity] (+ [queue] signals if
--      it is a signal) + README's reasons table.
-- Priority, the reason filter, the counts and the main reason (review/_reason_kinds) follow from the
-- code list by themselves.
WITH fresh AS {{post_freshness}},
dups AS {{duplicate_links}},
qual AS {{quality_flags}},
flagged AS (
    SELECT f.*,
           len(f.warnings) AS warning_count,
           d.decision     AS last_decision,
           d.reviewer     AS last_reviewer,
           d.decided_at   AS last_decided_at,
           d.note         AS last_note,
           d.assignee,
           d.merge_into,
           d.snooze_until,
           x.duplicate_of,
           x.duplicate_similarity,
           q.computed_quality,
           q.template_share,
           q.quality_findings,
           q.quality_codes,
           coalesce(d.decision <> 'reopen' AND d.content_hash IS NOT DISTINCT FROM f.source_sha256
                    AND (d.decision <> 'snooze' OR d.snooze_until > $as_of::DATE), false) AS decided,
           -- low_score's parts: one per recorded score below its watch threshold (each adds the severity)
           coalesce(f.score_quality < $watch_quality, false)                           AS r_low_quality,
           coalesce(f.score_freshness < $watch_freshness, false)                       AS r_low_freshness,
           coalesce(f.score_depth < $watch_depth, false)                               AS r_low_depth,
           coalesce(f.score_clarity < $watch_clarity, false)                           AS r_low_clarity,
           -- one flag per reason, in copydesk.domain.REASONS order
           coalesce(f.needs_human_review, false)                                       AS r_flagged,
           coalesce(list_contains($draft_statuses::VARCHAR[], f.status_key) AND f.band = 'stale', false)
                                                                                        AS r_stale_draft,
           coalesce(list_contains($draft_statuses::VARCHAR[], f.status_key) AND f.band = 'never', false)
                                                                                        AS r_never_reviewed_draft,
           coalesce(f.ai_generated_style AND f.effective_last_reviewed IS NULL, false) AS r_ai_unreviewed,
           coalesce(list_contains($attention_statuses::VARCHAR[], f.status_key), false) AS r_needs_update,
           coalesce(f.score_quality < $watch_quality OR f.score_freshness < $watch_freshness
                    OR f.score_depth < $watch_depth OR f.score_clarity < $watch_clarity, false) AS r_low_score,
           x.duplicate_of IS NOT NULL                                                  AS r_duplicate,
           coalesce(f.has_meta = false, false)                                         AS r_no_metadata,
           coalesce(len(f.warnings) > 0, false)                                        AS r_parse_warnings,
           f.freshness_drift                                                           AS r_freshness_drift,
           coalesce(d.decision <> 'reopen' AND d.content_hash IS DISTINCT FROM f.source_sha256, false)
                                                                                        AS r_content_changed,
           -- copydesk's own quality (post_quality): a low computed quality or a thin text; recorded vs
           -- computed quality apart by the margin; template text; metadata the text contradicts
           coalesce(q.computed_quality < $computed_low OR list_contains(q.quality_codes, 'thin'), false)
                                                                                        AS r_computed_quality_low,
           coalesce(abs(f.score_quality - q.computed_quality) >= $disagreement_margin, false)
                                                                                        AS r_quality_disagreement,
           coalesce(q.template_share >= $template_heavy_share, false)                  AS r_template_heavy,
           coalesce(list_has_any(q.quality_codes, ['reading_time', 'paragraph_claim', 'checklist_missing',
                                                   'checklist_extra']), false)         AS r_metadata_mismatch
    FROM fresh AS f
    LEFT JOIN review_state AS d ON d.post_id = f.post_id
    LEFT JOIN dups AS x ON x.post_id = f.post_id
    LEFT JOIN qual AS q ON q.post_id = f.post_id
    WHERE NOT list_contains($ignore_statuses::VARCHAR[], coalesce(f.status_key, ''))
),
coded AS (
    SELECT *,
           r_content_changed AS content_changed,
           list_filter([
               CASE WHEN r_flagged THEN 'flagged' END,
               CASE WHEN r_stale_draft THEN 'stale_draft' END,
               CASE WHEN r_never_reviewed_draft THEN 'never_reviewed_draft' END,
               CASE WHEN r_ai_unreviewed THEN 'ai_unreviewed' END,
               CASE WHEN r_needs_update THEN 'needs_update' END,
               CASE WHEN r_low_score THEN 'low_score' END,
               CASE WHEN r_duplicate THEN 'duplicate' END,
               CASE WHEN r_no_metadata THEN 'no_metadata' END,
               CASE WHEN r_parse_warnings THEN 'parse_warnings' END,
               CASE WHEN r_freshness_drift THEN 'freshness_drift' END,
               CASE WHEN r_content_changed THEN 'content_changed' END,
               CASE WHEN r_computed_quality_low THEN 'computed_quality_low' END,
               CASE WHEN r_quality_disagreement THEN 'quality_disagreement' END,
               CASE WHEN r_template_heavy THEN 'template_heavy' END,
               CASE WHEN r_metadata_mismatch THEN 'metadata_mismatch' END
           ], lambda c: c IS NOT NULL) AS reason_codes,
           r_low_quality::INTEGER + r_low_freshness::INTEGER + r_low_depth::INTEGER + r_low_clarity::INTEGER
               AS low_score_count
    FROM flagged
),
scored AS (
    SELECT *,
           -- in the queue on its own: at least one reason that is not a signal
           NOT list_has_all($signals::VARCHAR[], reason_codes) AS has_reason,
           round(
               coalesce(list_sum(list_transform(reason_codes,
                                                lambda c: ($reason_severity::DOUBLE[])[list_position($reason_rank::VARCHAR[], c)])), 0)
               + $sev_low_score * greatest(low_score_count - 1, 0)      -- low_score: its severity per low score
               + CASE WHEN review_age_days IS NULL THEN $staleness_max
                      ELSE $staleness_max * least(1.0, review_age_days / (2.0 * greatest(stale_after_days, 1))) END
               + least($impact_max, $impact_per_decade * log10(1.0 + greatest(coalesce(view_count, 0), 0)::DOUBLE))
           )::INTEGER AS priority
    FROM coded
)
SELECT *, has_reason AND NOT decided AS in_queue
FROM scored
WHERE CASE $f_state::VARCHAR
          WHEN 'open' THEN has_reason AND NOT decided
          WHEN 'decided' THEN decided
          ELSE has_reason OR decided END
  AND (len($f_reason::VARCHAR[]) = 0 OR list_has_any(reason_codes, $f_reason::VARCHAR[]))
  AND (len($f_assignee::VARCHAR[]) = 0 OR list_contains($f_assignee::VARCHAR[], assignee))
