-- name: overview/rejected_files
-- Files rejected by imports (newest batch first), with the reason.
SELECT batch_id, source_file, message AS reason, size_bytes, sha256
FROM import_files
WHERE outcome = 'rejected'
ORDER BY batch_id DESC, source_file
LIMIT $limit
