-- name: synth_posts
-- Append $n synthetic posts (ids from $start) for benchmarks and tests: varied sites, stacks, statuses, dates, scores.
INSERT INTO post_revisions BY NAME
SELECT (SELECT coalesce(max(revision_id), 0) FROM post_revisions) + 1 + i - $start AS revision_id,
       true AS live, true AS is_current,
       printf('syn-%08d', i)                                                    AS post_id,
       ['docs.example', 'blog.example', 'learn.example', 'dev.example'][1 + (hash(concat(i, ':', $seed)) % 4)::INTEGER] AS site,
       'Synthetic post ' || i || ' about ' ||
           ['python', 'react', 'postgres', 'rust', 'kubernetes', 'go'][1 + (hash(concat(i, ':', $seed, ':1')) % 6)::INTEGER] AS title,
       'Body of synthetic post ' || i                                           AS body,
       ['published', 'published', 'published', 'drafted', 'in review', 'needs update', 'archived']
           [1 + (hash(concat(i, ':', $seed, ':2')) % 7)::INTEGER]                               AS status,
       ['beginner', 'intermediate', 'advanced'][1 + (hash(concat(i, ':', $seed, ':3')) % 3)::INTEGER] AS difficulty,
       list_distinct([
           ['python', 'react', 'postgres', 'rust', 'kubernetes', 'go', 'typescript', 'django'][1 + (hash(concat(i, ':', $seed, ':4')) % 8)::INTEGER],
           ['frontend', 'backend', 'devops', 'data'][1 + (hash(concat(i, ':', $seed, ':5')) % 4)::INTEGER]
       ])                                                                       AS stack,
       CASE WHEN hash(concat(i, ':', $seed, ':6')) % 20 = 0 THEN NULL
            ELSE DATE '2025-06-30' - CAST(hash(concat(i, ':', $seed, ':7')) % 2000 AS INTEGER) END AS last_reviewed,
       (hash(concat(i, ':', $seed, ':8')) % 100000)::BIGINT                                     AS view_count,
       (hash(concat(i, ':', $seed, ':9')) % 101)::INTEGER                                       AS score_quality,
       (hash(concat(i, ':', $seed, ':10')) % 101)::INTEGER                                      AS score_freshness,
       (hash(concat(i, ':', $seed, ':11')) % 101)::INTEGER                                      AS score_depth,
       (hash(concat(i, ':', $seed, ':12')) % 101)::INTEGER                                      AS score_clarity,
       hash(concat(i, ':', $seed, ':13')) % 10 = 0                                              AS ai_generated_style,
       hash(concat(i, ':', $seed, ':14')) % 25 = 0                                              AS needs_human_review,
       true                                                                     AS has_meta,
       CASE WHEN hash(concat(i, ':', $seed, ':15')) % 50 = 0 THEN ['score out of range'] ELSE [] END::VARCHAR[] AS warnings,
       '1.0.0'                                                                  AS version,
       'synthetic/' || i || '.txt'                                              AS source_file,
       md5(i::VARCHAR || $seed::VARCHAR)                                        AS source_sha256,
       md5(i::VARCHAR)                                                          AS article_hash,
       $batch_id::BIGINT                                                        AS batch_id,
       TIMESTAMP '2025-07-01 12:00:00'                                          AS imported_at
FROM range($start, $start + $n) AS r(i)
