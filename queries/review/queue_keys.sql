-- name: review/queue_keys
-- Every post with one flag per queue reason, its priority and decision state (no text: cheap to sort and count).
-- part: post_freshness = review/post_freshness
-- part: duplicate_links = review/duplicate_links
WITH fresh AS {{post_freshness}},
dups AS {{duplicate_links}},
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
           coalesce(d.decision <> 'reopen' AND d.content_hash IS DISTINCT FROM f.source_sha256, false)
               AS content_changed,
           coalesce(d.decision <> 'reopen' AND d.content_hash IS NOT DISTINCT FROM f.source_sha256
                    AND (d.decision <> 'snooze' OR d.snooze_until > $as_of::DATE), false) AS decided,
           coalesce(f.needs_human_review, false)                                       AS r_flagged,
           coalesce(list_contains($draft_statuses::VARCHAR[], f.status_key) AND f.band = 'stale', false)
                                                                                        AS r_stale_draft,
           coalesce(list_contains($draft_statuses::VARCHAR[], f.status_key) AND f.band = 'never', false)
                                                                                        AS r_never_reviewed_draft,
           coalesce(f.ai_generated_style AND f.last_reviewed IS NULL, false)           AS r_ai_unreviewed,
           coalesce(list_contains($attention_statuses::VARCHAR[], f.status_key), false) AS r_needs_update,
           coalesce(f.score_quality < $watch_quality, false)                           AS r_low_quality,
           coalesce(f.score_freshness < $watch_freshness, false)                       AS r_low_freshness,
           coalesce(f.score_depth < $watch_depth, false)                               AS r_low_depth,
           coalesce(f.score_clarity < $watch_clarity, false)                           AS r_low_clarity,
           x.duplicate_of IS NOT NULL                                                  AS r_duplicate,
           coalesce(f.has_meta = false, false)                                         AS r_no_metadata,
           coalesce(len(f.warnings) > 0, false)                                        AS r_parse_warnings,
           f.freshness_drift                                                           AS r_freshness_drift
    FROM fresh AS f
    LEFT JOIN review_state AS d ON d.post_id = f.post_id
    LEFT JOIN dups AS x ON x.post_id = f.post_id
    WHERE NOT list_contains($ignore_statuses::VARCHAR[], coalesce(f.status_key, ''))
),
scored AS (
    SELECT *,
           r_flagged OR r_stale_draft OR r_never_reviewed_draft OR r_ai_unreviewed OR r_needs_update
               OR r_low_quality OR r_low_freshness OR r_low_depth OR r_low_clarity OR r_duplicate
               OR r_no_metadata OR r_parse_warnings OR r_freshness_drift OR content_changed AS has_reason,
           round(
               $sev_flagged * r_flagged::INTEGER
               + $sev_stale_draft * r_stale_draft::INTEGER
               + $sev_never_reviewed_draft * r_never_reviewed_draft::INTEGER
               + $sev_ai_unreviewed * r_ai_unreviewed::INTEGER
               + $sev_needs_update * r_needs_update::INTEGER
               + $sev_low_score * (r_low_quality::INTEGER + r_low_freshness::INTEGER
                                   + r_low_depth::INTEGER + r_low_clarity::INTEGER)
               + $sev_duplicate * r_duplicate::INTEGER
               + $sev_no_metadata * r_no_metadata::INTEGER
               + $sev_parse_warnings * r_parse_warnings::INTEGER
               + $sev_freshness_drift * r_freshness_drift::INTEGER
               + $sev_content_changed * content_changed::INTEGER
               + CASE WHEN review_age_days IS NULL THEN $staleness_max
                      ELSE $staleness_max * least(1.0, review_age_days / (2.0 * greatest(stale_after_days, 1))) END
               + least($impact_max, $impact_per_decade * log10(1.0 + greatest(coalesce(view_count, 0), 0)::DOUBLE))
           )::INTEGER AS priority
    FROM flagged
)
SELECT *, has_reason AND NOT decided AS in_queue
FROM scored
WHERE CASE $f_state::VARCHAR
          WHEN 'open' THEN has_reason AND NOT decided
          WHEN 'decided' THEN decided
          ELSE has_reason OR decided END
  AND (len($f_reason::VARCHAR[]) = 0
       OR (r_flagged AND list_contains($f_reason::VARCHAR[], 'flagged'))
       OR (r_stale_draft AND list_contains($f_reason::VARCHAR[], 'stale_draft'))
       OR (r_never_reviewed_draft AND list_contains($f_reason::VARCHAR[], 'never_reviewed_draft'))
       OR (r_ai_unreviewed AND list_contains($f_reason::VARCHAR[], 'ai_unreviewed'))
       OR (r_needs_update AND list_contains($f_reason::VARCHAR[], 'needs_update'))
       OR ((r_low_quality OR r_low_freshness OR r_low_depth OR r_low_clarity)
           AND list_contains($f_reason::VARCHAR[], 'low_score'))
       OR (r_duplicate AND list_contains($f_reason::VARCHAR[], 'duplicate'))
       OR (r_no_metadata AND list_contains($f_reason::VARCHAR[], 'no_metadata'))
       OR (r_parse_warnings AND list_contains($f_reason::VARCHAR[], 'parse_warnings'))
       OR (r_freshness_drift AND list_contains($f_reason::VARCHAR[], 'freshness_drift'))
       OR (content_changed AND list_contains($f_reason::VARCHAR[], 'content_changed')))
  AND (len($f_assignee::VARCHAR[]) = 0 OR list_contains($f_assignee::VARCHAR[], assignee))
