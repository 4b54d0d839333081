-- name: review/quality_flags_none
-- Stand-in for review/quality_flags when the quality tables do not exist (an old read-only database): no rows, same columns.
SELECT NULL::VARCHAR AS post_id, NULL::INTEGER AS computed_quality, NULL::DOUBLE AS template_share,
       NULL::VARCHAR[] AS quality_findings, NULL::VARCHAR[] AS quality_codes
WHERE false
