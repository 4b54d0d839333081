-- name: schema/10_import
-- Raw import tables: batches, the per-file ledger, every revision ever imported (each stored once) and the current posts (a view).
CREATE TABLE IF NOT EXISTS import_batches (
    batch_id     BIGINT PRIMARY KEY,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    source       VARCHAR,
    status       VARCHAR NOT NULL,          -- running | finished | interrupted | failed
    files_seen   BIGINT DEFAULT 0,
    imported     BIGINT DEFAULT 0,
    updated      BIGINT DEFAULT 0,
    unchanged    BIGINT DEFAULT 0,
    rejected     BIGINT DEFAULT 0,
    warnings     BIGINT DEFAULT 0,
    message      VARCHAR                    -- why a failed batch failed
);
-- databases made before the column (a no-op otherwise)
ALTER TABLE import_batches ADD COLUMN IF NOT EXISTS message VARCHAR;

CREATE TABLE IF NOT EXISTS import_files (
    batch_id     BIGINT NOT NULL,
    source_file  VARCHAR NOT NULL,
    sha256       VARCHAR,
    size_bytes   BIGINT,
    outcome      VARCHAR NOT NULL,          -- imported | updated | unchanged | rejected
    post_id      VARCHAR,
    warnings     INTEGER DEFAULT 0,
    message      VARCHAR,
    recorded_at  TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS post_revisions (
    revision_id        BIGINT NOT NULL,
    live               BOOLEAN NOT NULL,    -- false once its source file was re-imported with other content
    post_id            VARCHAR NOT NULL,
    site               VARCHAR,
    title              VARCHAR,
    body               VARCHAR USING COMPRESSION zstd,    -- (zstd: README, post_revisions)
    topic              VARCHAR,
    summary            VARCHAR USING COMPRESSION zstd,
    status             VARCHAR,
    version            VARCHAR,
    last_reviewed      DATE,
    view_count         BIGINT,
    reading_time       INTEGER,
    difficulty         VARCHAR,
    code_language      VARCHAR,
    score_quality      INTEGER,
    score_freshness    INTEGER,
    score_depth        INTEGER,
    score_clarity      INTEGER,
    ai_generated_style BOOLEAN,
    has_images         BOOLEAN,
    image_heavy        BOOLEAN,
    needs_human_review BOOLEAN,
    stack              VARCHAR[],
    tools              VARCHAR[],
    checklist          VARCHAR[],
    entities           JSON,
    reference          VARCHAR,
    content_hash       VARCHAR,
    ai_brief           VARCHAR,
    ai_outline         JSON USING COMPRESSION zstd,
    notes              VARCHAR[],
    generator          VARCHAR,
    scenario           VARCHAR,
    paragraphs         INTEGER,
    seed               BIGINT,
    has_meta           BOOLEAN,
    extra_meta         JSON,
    warnings           VARCHAR[],
    source_file        VARCHAR NOT NULL,
    source_sha256      VARCHAR NOT NULL,
    article_hash       VARCHAR NOT NULL,
    batch_id           BIGINT NOT NULL,
    imported_at        TIMESTAMP NOT NULL,
    is_current         BOOLEAN NOT NULL,    -- the current row of its post (what posts shows)
    source_size        BIGINT,              -- the file's size and modification time (ns since 1970) when it
    source_mtime_ns    BIGINT               -- was read (NULL: not kept); a file still so is not read again
);
-- (databases made before the two columns get them, NULL: their files are read once more)
ALTER TABLE post_revisions ADD COLUMN IF NOT EXISTS source_size BIGINT;
ALTER TABLE post_revisions ADD COLUMN IF NOT EXISTS source_mtime_ns BIGINT;

-- posts: one row per current post = the best live revision of each post_id
-- (higher version, then later last_reviewed, then later import).  A view, so that each
-- revision is stored once and a newer revision only flips two flags.
CREATE OR REPLACE VIEW posts AS
SELECT * EXCLUDE (revision_id, live, is_current, source_size, source_mtime_ns), revision_id
FROM post_revisions WHERE is_current;

-- version_key('1.10.2') = [1, 10, 2]: versions compare numerically (1.10.0 > 1.9.9).
-- The one rule for "the newer revision" (ingest/refresh_posts, ingest/chunk_winners).
CREATE OR REPLACE MACRO version_key(v) AS list_transform(regexp_extract_all(v, '\d+'), lambda x: TRY_CAST(x AS BIGINT));
