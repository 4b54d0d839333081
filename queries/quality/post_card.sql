-- name: quality/post_card
-- One post's row of post_quality (signals, sub-scores, computed quality, findings and their codes) for its quality card.
SELECT * FROM post_quality WHERE post_id = $post_id
