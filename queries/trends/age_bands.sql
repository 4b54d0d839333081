-- name: trends/age_bands
-- The review-age bands of the Scores & trends page: rank, label and the band's review ages in days (age_max NULL: no upper end; both NULL: never reviewed).
SELECT *
FROM (VALUES (1, '< 90 d', 0, 89), (2, '< 180 d', 90, 179), (3, '< 1 y', 180, 364), (4, '< 2 y', 365, 729),
             (5, 'older', 730, NULL), (6, 'never', NULL, NULL)) AS b(age_rank, age_band, age_min, age_max)
