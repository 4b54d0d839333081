-- name: duplicates/edge_members
-- Site, title, scores and views of every post in a duplicate pair at/above $threshold (the page's cluster members).
SELECT p.post_id, p.site, p.title, p.status, p.score_quality, p.score_freshness, p.view_count
FROM posts p
WHERE p.post_id IN (
    SELECT post_id_a FROM near_duplicates WHERE similarity >= $threshold
    UNION
    SELECT post_id_b FROM near_duplicates WHERE similarity >= $threshold
);
