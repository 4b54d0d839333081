-- name: quality/flipped_count
-- How many sentences of quality_delta became, or stopped being, template text (held by more than template_min_posts current posts).
SELECT count(*)
FROM quality_delta
WHERE (old_posts > $template_min_posts) <> (new_posts > $template_min_posts)
