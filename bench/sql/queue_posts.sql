-- name: queue_posts
-- Synthetic posts for the queue benchmark: $n rows with a realistic mix of statuses, dates, scores and flags.
INSERT INTO post_revisions BY NAME
SELECT i + 1 AS revision_id, true AS live, true AS is_current,
       printf('site%d-%07d', i % 8, i)                                   AS post_id,
       'site' || (i % 8)                                                 AS site,
       'synthetic post ' || i || ' about ' || (['caching', 'queues', 'indexes', 'deploys'])[1 + i % 4] AS title,
       repeat('lorem ipsum dolor sit amet ', 20)                         AS body,
       (['published', 'published', 'published', 'drafted', 'in review', 'needs update', 'archived'])[1 + (i * 7) % 7]
                                                                          AS status,
       '1.' || (i % 9) || '.0'                                           AS version,
       CASE WHEN i % 11 = 0 THEN NULL
            ELSE DATE '2025-06-01' - CAST(hash(i) % 1500 AS INTEGER) END AS last_reviewed,
       CAST(hash(i * 3) % 500000 AS BIGINT)                              AS view_count,
       (['beginner', 'intermediate', 'advanced'])[1 + i % 3]             AS difficulty,
       CAST(30 + hash(i * 5) % 71 AS INTEGER)                            AS score_quality,
       CAST(hash(i * 7) % 101 AS INTEGER)                                AS score_freshness,
       CAST(40 + hash(i * 11) % 61 AS INTEGER)                           AS score_depth,
       CAST(45 + hash(i * 13) % 56 AS INTEGER)                           AS score_clarity,
       i % 3 = 0                                                         AS ai_generated_style,
       i % 17 = 0                                                        AS needs_human_review,
       [(['next.js', 'rust', 'python', 'go', 'react'])[1 + i % 5], 'backend']     AS stack,
       i % 97 <> 0                                                       AS has_meta,
       CASE WHEN i % 23 = 0 THEN ['bad date', 'score out of range'] ELSE [] END AS warnings,
       'f' || i || '.txt'                                                AS source_file,
       sha256(i::VARCHAR)                                                AS source_sha256,
       md5(i::VARCHAR)                                                   AS article_hash,
       1                                                                 AS batch_id,
       TIMESTAMP '2025-05-01'                                            AS imported_at
FROM range($n) AS t(i)
