-- name: ingest/file_index
-- The hash of the file name of every live revision, with its revision id: the run's index of the files the database holds (see copydesk.importer._file_index).
SELECT hash(source_file) AS file_hash, revision_id
FROM post_revisions
WHERE live
