-- name: duplicate_posts
-- Load a synth corpus's posts (a Parquet file at $path) as current posts, for the duplicate benchmark.
INSERT INTO post_revisions BY NAME
SELECT (SELECT coalesce(max(revision_id), 0) FROM post_revisions) + row_number() OVER () AS revision_id, true AS live, true AS is_current, post_id, site, title, body, status, view_count, score_quality, score_freshness,
       'bench' AS source_file, 'bench' AS source_sha256, md5(coalesce(title, '') || chr(10) || coalesce(body, '')) AS article_hash,
       1 AS batch_id, TIMESTAMP '2025-01-01' AS imported_at
FROM read_parquet($path)
WHERE post_id IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY post_id ORDER BY post_id) = 1;
