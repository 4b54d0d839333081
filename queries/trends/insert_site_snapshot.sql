-- name: trends/insert_site_snapshot
-- Store one batch's per-site snapshot rows from the registered DataFrame "site_snapshot".
-- input: site_snapshot
INSERT INTO batch_site_metrics BY NAME SELECT * FROM site_snapshot
