-- name: quality/page_findings
-- Posts per kind of finding (finding code) over {{rows}} (quality/page_rows), most frequent first; the posts' lists of codes are grouped first (few distinct lists), a code counted once per post.
-- part: rows = quality/page_rows
SELECT code, sum(posts)::BIGINT AS posts
FROM (
    SELECT unnest(list_distinct(finding_codes)) AS code, posts
    FROM (SELECT finding_codes, count(*) AS posts FROM {{rows}} GROUP BY finding_codes)
)
GROUP BY code
ORDER BY posts DESC, code
