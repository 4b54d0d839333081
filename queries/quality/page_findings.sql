-- name: quality/page_findings
-- Posts per kind of finding (finding code) over {{rows}} (quality/page_rows), most frequent first.
-- part: rows = quality/page_rows
SELECT code, count(*) AS posts
FROM (SELECT DISTINCT post_id, unnest(finding_codes) AS code FROM {{rows}})
GROUP BY code
ORDER BY posts DESC, code
