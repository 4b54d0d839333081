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
-- Posts are first grouped into spans (site, thresholds, from one review to the next) so the
-- month ends join a few thousand spans, not every post.
WITH month_ends AS (
    SELECT (date_trunc('month', $as_of::DATE + 1) - to_months(i::INTEGER) - INTERVAL 1 DAY)::DATE AS month_end
    FROM range($months) AS t(i)
),
-- review dates other than the current revision's: earlier revisions, decisions that count as a review
other_reviews AS (
    SELECT post_id, last_reviewed AS reviewed FROM post_revisions
    WHERE NOT is_current AND last_reviewed IS NOT NULL
    UNION
    SELECT post_id, decided_at::DATE FROM review_decisions WHERE decision IN ('approve', 'needs_edits')
),
with_history AS (
    SELECT DISTINCT post_id FROM other_reviews
),
-- posts whose only known review is the current revision's (or none): grouped in one pass
single AS (
    SELECT coalesce(site, '(none)') AS site, aging_after_days, stale_after_days, last_reviewed, count(*) AS posts
    FROM {{posts}}
    WHERE post_id NOT IN (SELECT post_id FROM with_history)
    GROUP BY ALL
),
-- the few posts with more known reviews, one row per review
history_posts AS (
    SELECT post_id, coalesce(site, '(none)') AS site, aging_after_days, stale_after_days, last_reviewed
    FROM {{posts}}
    WHERE post_id IN (SELECT post_id FROM with_history)
),
history AS (
    SELECT h.post_id, h.site, h.aging_after_days, h.stale_after_days, r.reviewed
    FROM history_posts AS h
    JOIN (SELECT post_id, last_reviewed AS reviewed FROM history_posts WHERE last_reviewed IS NOT NULL
          UNION
          SELECT post_id, reviewed FROM other_reviews) AS r USING (post_id)
),
spans AS (
    -- from a review (NULL: from the beginning) until the next one (NULL: until today)
    SELECT site, aging_after_days, stale_after_days, last_reviewed AS since, NULL::DATE AS until, posts
    FROM single
    UNION ALL
    SELECT site, aging_after_days, stale_after_days, NULL, last_reviewed, posts
    FROM single WHERE last_reviewed IS NOT NULL
    UNION ALL
    SELECT site, aging_after_days, stale_after_days, reviewed,
           lead(reviewed) OVER (PARTITION BY post_id ORDER BY reviewed), 1
    FROM history
    UNION ALL
    SELECT site, any_value(aging_after_days), any_value(stale_after_days), NULL, min(reviewed), 1
    FROM history GROUP BY post_id, site
),
cells AS (
    SELECT m.month_end, s.site,
           CASE WHEN s.since IS NULL AND s.until IS NULL THEN 'never'
                WHEN s.since IS NULL THEN 'unknown'
                WHEN m.month_end - s.since > s.stale_after_days THEN 'stale'
                WHEN m.month_end - s.since >= s.aging_after_days THEN 'aging'
                ELSE 'fresh' END AS band,
           sum(s.posts) AS posts
    FROM spans AS s
    JOIN month_ends AS m
      ON m.month_end >= coalesce(s.since, DATE '0001-01-01') AND m.month_end < coalesce(s.until, DATE '9999-12-31')
    GROUP BY ALL
),
totals AS (
    SELECT month_end, site, band, sum(posts) AS posts, grouping(site) = 1 AS all_sites
    FROM cells
    GROUP BY GROUPING SETS ((month_end, site, band), (month_end, band))
)
SELECT month_end, all_sites, CASE WHEN all_sites THEN NULL ELSE site END AS site, band, posts::BIGINT AS posts,
       round(posts / sum(posts) OVER (PARTITION BY month_end, all_sites, site), 4) AS share
FROM totals
ORDER BY all_sites DESC, site, month_end, list_position(['fresh', 'aging', 'stale', 'never', 'unknown'], band)
