-- name: duplicates/member_meta
-- Quality, freshness and views of the posts in the registered relation dup_members(post_id), for the canonical suggestion.
-- input: dup_members
SELECT m.post_id, p.score_quality, p.score_freshness, p.view_count, p.title
FROM dup_members m
LEFT JOIN posts p USING (post_id);
