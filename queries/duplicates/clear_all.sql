-- name: duplicates/clear_all
-- Forget every computed pair, cluster and incremental state (verdicts and the run ledger stay).
DELETE FROM near_duplicates;
DELETE FROM duplicate_clusters;
DELETE FROM duplicate_state;
DELETE FROM duplicate_signatures;
DELETE FROM duplicate_template;
