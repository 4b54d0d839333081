-- name: trends/review_coverage
-- Share of the filtered posts ({{posts}}) fresh / aging / stale / never / unknown at each of the $months month ends up to $as_of, by site and for all sites.
-- part: posts = review/post_freshness
--
-- A post's known reviews are the last-reviewed dates of all its imported revisions and the days
-- of its approve / needs_edits decisions.  At a month end M its band comes from its latest known
-- review on or before M (age = M - review, thresholds from the policy and its overrides):
-- fresh (age < aging_after_days), aging (up to stale_after_days), stale (older).  A post with no
-- known review at all is "never"; a post whose first known review is after M is "unknown" at M
-- (an earlier review may have happened without being recorded, or the post did not exist yet).
--
-- How, without joining every post to every month end: a post's time splits into spans (before
-- its first known review, then from each review to the next); a span is fresh, then aging, then
-- stale over three date ranges; a range covers the month ends from the first one on or after its
-- start to the last one before its end.  Each range adds its posts at its first month end and
-- takes them back after its last, and a running sum over the month ends gives the counts.  Posts
-- are grouped (site, thresholds, review date) before any of this, so a million posts are a few
-- thousand groups; the posts with more than one known review are counted as if they had one and
-- then corrected (weight -1 for that guess, +1 for their real spans).
WITH month_ends AS (
    SELECT i::INTEGER AS k,
           (date_trunc('month', $as_of::DATE + 1) - to_months(($months - 1 - i)::INTEGER) - INTERVAL 1 DAY)::DATE
               AS month_end
    FROM range($months) AS t(i)
),
first_end AS (
    SELECT min(month_end) AS e0 FROM month_ends
),
-- review dates other than the current revision's: earlier revisions, decisions that count as a review
other_reviews AS (
    SELECT post_id, last_reviewed AS reviewed FROM post_revisions
    WHERE NOT is_current AND last_reviewed IS NOT NULL
    UNION
    SELECT post_id, decided_at::DATE FROM review_decisions WHERE decision IN ('approve', 'needs_edits')
),
-- every post as if its current revision's review were its only one, grouped in one pass
single AS (
    SELECT coalesce(site, '(none)') AS site, aging_after_days AS aging, stale_after_days AS stale,
           last_reviewed, count(*) AS posts
    FROM {{posts}}
    GROUP BY ALL
),
-- the posts with more known reviews
history_posts AS (
    SELECT post_id, coalesce(site, '(none)') AS site, aging_after_days AS aging, stale_after_days AS stale,
           last_reviewed
    FROM {{posts}}
    WHERE post_id IN (SELECT post_id FROM other_reviews)
),
history_reviews AS (
    SELECT h.post_id, h.site, h.aging, h.stale, r.reviewed
    FROM history_posts AS h
    JOIN (SELECT post_id, last_reviewed AS reviewed FROM history_posts WHERE last_reviewed IS NOT NULL
          UNION
          SELECT post_id, reviewed FROM other_reviews) AS r USING (post_id)
),
-- spans: from a review (since NULL: from the beginning) until the next one (until NULL: for good), weighted
guessed AS (
    SELECT site, aging, stale, last_reviewed, posts AS w FROM single
    UNION ALL
    SELECT site, aging, stale, last_reviewed, -1 FROM history_posts
),
spans AS (
    SELECT site, aging, stale, last_reviewed AS since, NULL::DATE AS until, sum(w) AS w
    FROM guessed GROUP BY ALL
    UNION ALL
    SELECT site, aging, stale, NULL, last_reviewed, sum(w)
    FROM guessed WHERE last_reviewed IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT site, aging, stale, reviewed, lead(reviewed) OVER (PARTITION BY post_id ORDER BY reviewed), 1
    FROM history_reviews
    UNION ALL
    SELECT site, any_value(aging), any_value(stale), NULL, min(reviewed), 1
    FROM history_reviews GROUP BY post_id, site
),
-- the date range [lo, hi) of each band of each span (NULL: open end)
ranges AS (
    SELECT site, 'never' AS band, NULL::DATE AS lo, NULL::DATE AS hi, w FROM spans WHERE since IS NULL AND until IS NULL
    UNION ALL
    SELECT site, 'unknown', NULL, until, w FROM spans WHERE since IS NULL AND until IS NOT NULL
    UNION ALL
    SELECT site, 'fresh', since, least(since + aging, until), w FROM spans WHERE since IS NOT NULL
    UNION ALL
    SELECT site, 'aging', since + aging, least(since + stale + 1, until), w FROM spans WHERE since IS NOT NULL
    UNION ALL
    SELECT site, 'stale', since + stale + 1, until, w FROM spans WHERE since IS NOT NULL
),
-- a range covers month ends k_lo .. k_hi - 1, where k(d) = how many month ends fall before d
steps AS (
    SELECT site, band, w,
           CASE WHEN lo IS NULL THEN 0
                ELSE least(greatest(datediff('month', e0, lo - 1) + (lo - 1 = last_day(lo - 1))::INTEGER, 0), $months)
           END AS k_lo,
           CASE WHEN hi IS NULL THEN $months
                ELSE least(greatest(datediff('month', e0, hi - 1) + (hi - 1 = last_day(hi - 1))::INTEGER, 0), $months)
           END AS k_hi
    FROM ranges, first_end
    WHERE w <> 0 AND (lo IS NULL OR hi IS NULL OR lo < hi)
),
deltas AS (
    SELECT site, band, k, sum(d) AS d
    FROM (SELECT site, band, k_lo AS k, w AS d FROM steps
          UNION ALL
          SELECT site, band, k_hi, -w FROM steps)
    WHERE k < $months
    GROUP BY ALL
),
cells AS (
    SELECT m.month_end, g.site, g.band,
           sum(coalesce(d.d, 0)) OVER (PARTITION BY g.site, g.band ORDER BY m.k ROWS UNBOUNDED PRECEDING) AS posts
    FROM (SELECT DISTINCT site, band FROM deltas) AS g
    CROSS JOIN month_ends AS m
    LEFT JOIN deltas AS d ON d.site = g.site AND d.band = g.band AND d.k = m.k
),
totals AS (
    SELECT month_end, site, band, sum(posts) AS posts, grouping(site) = 1 AS all_sites
    FROM cells
    WHERE posts <> 0
    GROUP BY GROUPING SETS ((month_end, site, band), (month_end, band))
)
SELECT month_end, all_sites, CASE WHEN all_sites THEN NULL ELSE site END AS site, band, posts::BIGINT AS posts,
       round(posts / sum(posts) OVER (PARTITION BY month_end, all_sites, site), 4) AS share
FROM totals
ORDER BY all_sites DESC, site, month_end, list_position(['fresh', 'aging', 'stale', 'never', 'unknown'], band)
