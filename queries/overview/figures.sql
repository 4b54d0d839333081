-- name: overview/figures
-- Headline counts of what the database holds: posts, sites, flagged, never reviewed, drafts, parse problems.
SELECT
    count(*)                                                   AS posts,
    count(DISTINCT site)                                       AS sites,
    count(*) FILTER (needs_human_review)                       AS flagged,
    count(*) FILTER (last_reviewed IS NULL)                    AS never_reviewed,
    count(*) FILTER (status IN ('drafted', 'in review'))       AS drafts,
    count(*) FILTER (len(warnings) > 0)                        AS with_warnings,
    count(*) FILTER (NOT has_meta)                             AS without_meta,
    (SELECT count(*) FROM import_batches)                      AS batches,
    (SELECT count(*) FROM import_files WHERE outcome = 'rejected'
        AND batch_id = (SELECT max(batch_id) FROM import_batches)) AS rejected_last_batch
FROM posts
