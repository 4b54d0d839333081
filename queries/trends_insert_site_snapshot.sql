-- name: trends-insert-site-snapshot
-- Store one batch's per-site snapshot rows from the registered DataFrame "site_snapshot".
INSERT INTO batch_site_metrics BY NAME SELECT * FROM site_snapshot
