-- name: review/quality_flags
-- copydesk's own quality of every scored post, as the queue's quality reasons read it: computed quality, template share and template sentences, findings and their codes.
SELECT post_id, computed_quality, template_share, findings AS quality_findings, finding_codes AS quality_codes
FROM quality_scores
