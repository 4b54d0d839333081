-- name: quality/page_figures
-- Every aggregate the Quality page draws at once, in one statement: the rows of {{rows}} (quality/page_rows) computed once (a materialised CTE, nothing of it fetched) and read by page_headline (a struct), page_distribution, page_points, page_findings and page_breakdown by site (each a list of rows, in its own order).
-- part: rows = quality/page_rows
-- part: headline = quality/page_headline(rows=page)
-- part: distribution = quality/page_distribution(rows=page)
-- part: points = quality/page_points(rows=page)
-- part: findings = quality/page_findings(rows=page)
-- part: by_site = quality/page_breakdown(rows=page)
WITH page AS MATERIALIZED {{rows}}
SELECT (SELECT h FROM {{headline}} AS h) AS headline,
       (SELECT list(d ORDER BY d.kind, d.bucket) FROM {{distribution}} AS d) AS distribution,
       (SELECT list(p ORDER BY p.point) FROM {{points}} AS p) AS points,
       (SELECT list(f ORDER BY f.posts DESC, f.code) FROM {{findings}} AS f) AS findings,
       (SELECT list(b ORDER BY b.posts DESC, b.key) FROM {{by_site}} AS b) AS by_site
