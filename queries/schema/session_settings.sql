-- name: schema/session_settings
-- Settings of every copydesk connection: no progress bar (DuckDB prints one to stdout for a query over 2 s, which would corrupt the CLI's --json output and the logs).
SET enable_progress_bar = false
