-- name: trends/insert_snapshot
-- Store (or replace) one batch's corpus-wide snapshot from the registered DataFrame "snapshot".
-- input: snapshot
INSERT OR REPLACE INTO batch_metrics BY NAME SELECT * FROM snapshot
