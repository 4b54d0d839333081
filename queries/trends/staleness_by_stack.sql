-- name: trends/staleness_by_stack
-- Filtered posts ({{posts}}) per stack and freshness band, with each stack's stale share; the $max_stacks largest stacks.
-- part: posts = review/post_freshness
WITH f AS (SELECT stack, band FROM {{posts}}),
cells AS (
    SELECT coalesce(stack_item, '(none)') AS stack, band, count(*) AS posts
    FROM (SELECT unnest(coalesce(nullif(stack, []), [NULL::VARCHAR])) AS stack_item, band FROM f)
    GROUP BY ALL
),
totals AS (
    SELECT stack,
           sum(posts)                                                  AS stack_posts,
           sum(posts) FILTER (WHERE band IN ('stale', 'never')) / sum(posts) AS stack_stale_share,
           row_number() OVER (ORDER BY sum(posts) DESC, stack)        AS stack_rank
    FROM cells
    GROUP BY stack
)
SELECT c.stack,
       c.band,
       c.posts,
       round(c.posts / t.stack_posts, 4)            AS share,
       t.stack_posts,
       round(coalesce(t.stack_stale_share, 0), 4)   AS stack_stale_share
FROM cells c
JOIN totals t USING (stack)
WHERE t.stack_rank <= $max_stacks
ORDER BY stack_stale_share DESC, c.stack, c.band
