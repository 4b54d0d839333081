-- name: review/queue_reason_counts
-- How many queued posts (under the filters) carry each reason.
-- part: queue_keys = review/queue_keys
SELECT reason, posts
FROM (
    SELECT count(*) FILTER (WHERE r_flagged)              AS flagged,
           count(*) FILTER (WHERE r_stale_draft)          AS stale_draft,
           count(*) FILTER (WHERE r_never_reviewed_draft) AS never_reviewed_draft,
           count(*) FILTER (WHERE r_ai_unreviewed)        AS ai_unreviewed,
           count(*) FILTER (WHERE r_needs_update)         AS needs_update,
           count(*) FILTER (WHERE r_low_quality OR r_low_freshness OR r_low_depth OR r_low_clarity) AS low_score,
           count(*) FILTER (WHERE r_duplicate)            AS duplicate,
           count(*) FILTER (WHERE r_no_metadata)          AS no_metadata,
           count(*) FILTER (WHERE r_parse_warnings)       AS parse_warnings,
           count(*) FILTER (WHERE r_freshness_drift)      AS freshness_drift,
           count(*) FILTER (WHERE content_changed)        AS content_changed
    FROM {{queue_keys}} AS k
) UNPIVOT (posts FOR reason IN (flagged, stale_draft, never_reviewed_draft, ai_unreviewed, needs_update,
                                low_score, duplicate, no_metadata, parse_warnings, freshness_drift, content_changed))
WHERE posts > 0
ORDER BY posts DESC, reason
