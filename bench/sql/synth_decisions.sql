-- name: synth_decisions
-- Append $n synthetic review decisions on the synthetic posts syn-00000000 … (ids below $posts): mixed kinds, days spread over the two years before 2025-06-30.
INSERT INTO review_decisions (post_id, decision, reviewer, merge_into, snooze_until, decided_at)
SELECT printf('syn-%08d', (hash(concat(i, ':', $seed)) % $posts)::BIGINT)         AS post_id,
       kind,
       'bench'                                                                     AS reviewer,
       CASE WHEN kind = 'merge' THEN 'syn-00000000' END                            AS merge_into,
       CASE WHEN kind = 'snooze' THEN DATE '2025-09-01' END                        AS snooze_until,
       TIMESTAMP '2025-06-30 12:00:00' - to_days((hash(concat(i, ':d:', $seed)) % 730)::INTEGER) AS decided_at
FROM (SELECT i, ['approve', 'approve', 'approve', 'needs_edits', 'merge', 'unpublish', 'snooze', 'reopen']
                    [1 + (hash(concat(i, ':k:', $seed)) % 8)::INTEGER] AS kind
      FROM range($n) AS r(i))
