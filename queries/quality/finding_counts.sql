-- name: quality/finding_counts
-- How many of the filtered posts ({{posts}} = review/post_freshness) carry each kind of finding (finding_codes), most frequent first, with an example of the words.
-- part: posts = review/post_freshness
SELECT code, count(DISTINCT post_id) AS posts, min(finding) AS example
FROM (
    SELECT q.post_id, unnest(q.finding_codes) AS code, unnest(q.findings) AS finding
    FROM post_quality AS q
    WHERE q.post_id IN (SELECT post_id FROM {{posts}})
)
GROUP BY code
ORDER BY posts DESC, code
