-- name: review/_reason_kinds
-- The rows of {{keys}} (review/queue_keys) with their reason codes split by kind (queue_reasons, signal_reasons) and their main reason: the queue reason of highest severity.
-- part: keys = review/queue_keys
--
-- Computed only where they are read (the words of one page, the reason counts), not for the sort:
-- $reason_rank is every code, highest severity first, REASONS order among equals.
SELECT *,
       list_filter(reason_codes, lambda c: NOT list_contains($signals::VARCHAR[], c)) AS queue_reasons,
       list_filter(reason_codes, lambda c: list_contains($signals::VARCHAR[], c))     AS signal_reasons,
       list_filter($reason_rank::VARCHAR[],
                   lambda c: list_contains(reason_codes, c) AND NOT list_contains($signals::VARCHAR[], c))[1]
           AS main_reason
FROM {{keys}} AS k
