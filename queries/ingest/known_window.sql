-- name: ingest/known_window
-- The live revisions with ids from $first to $last (revision id, file, content sha256, post, and the file's size and modification time when it was read), in id order: a window of the run's index of known files that serves the look-ups of several chunks (see copydesk.importer._known), read in one pass over their row groups.
SELECT revision_id, source_file, source_sha256, post_id, source_size, source_mtime_ns
FROM post_revisions
WHERE live AND revision_id BETWEEN $first AND $last
ORDER BY revision_id
