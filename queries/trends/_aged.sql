-- name: trends/_aged
-- The rows of {{posts}} with their review-age band's rank (age_rank, the ranks of trends/age_bands): 1 < 90 d, 2 < 180 d, 3 < 1 y, 4 < 2 y, 5 older, 6 never.
-- A CASE on each row (a join on the band table's ranges costs ten times more on a million rows);
-- tests/test_trends.py checks that it agrees with trends/age_bands at every band's edges.
SELECT *,
       CASE WHEN review_age_days IS NULL THEN 6
            WHEN review_age_days < 90 THEN 1
            WHEN review_age_days < 180 THEN 2
            WHEN review_age_days < 365 THEN 3
            WHEN review_age_days < 730 THEN 4
            ELSE 5 END AS age_rank
FROM {{posts}}
