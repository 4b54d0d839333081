-- name: schema/30_duplicates
-- Near-duplicate detection: pairs, clusters, editors' verdicts, run ledger and incremental state.

-- Every compared pair at or above the storage floor (kind exact | near), plus same-title pairs
-- whose articles differ (kind title).  post_id_a < post_id_b.
CREATE TABLE IF NOT EXISTS near_duplicates (
    post_id_a        VARCHAR NOT NULL,
    post_id_b        VARCHAR NOT NULL,
    similarity       DOUBLE,              -- 0-100, max(ratio, token_sort_ratio) of the normalised articles; NULL: a title pair never scored
    title_similarity DOUBLE,              -- 0-100, ratio of the normalised titles
    kind             VARCHAR NOT NULL,    -- exact | near | title
    run_id           BIGINT NOT NULL
);

-- Clusters at the configured threshold (union-find over exact/near pairs not rejected by an editor).
CREATE TABLE IF NOT EXISTS duplicate_clusters (
    cluster_id        BIGINT NOT NULL,
    post_id           VARCHAR NOT NULL,
    cluster_size      INTEGER NOT NULL,
    is_canonical      BOOLEAN NOT NULL,
    canonical_post_id VARCHAR NOT NULL,
    reason            VARCHAR,            -- why the canonical post was suggested (set on the canonical row)
    threshold         DOUBLE NOT NULL,
    run_id            BIGINT NOT NULL
);

-- Editors' decisions; never touched by recomputation.  The latest verdict on a pair wins.
--   verdict 'not_duplicate': the pair (post_id_a < post_id_b) is not a duplicate (the pair leaves its cluster).
--   verdict 'duplicate':     the pair is a duplicate (undoes an earlier 'not_duplicate').
--   verdict 'canonical':     post_id_a is the post to keep in its cluster (post_id_b: the post it was compared with, may be NULL).
CREATE TABLE IF NOT EXISTS duplicate_verdicts (
    verdict_id  BIGINT NOT NULL,
    verdict     VARCHAR NOT NULL,
    post_id_a   VARCHAR NOT NULL,
    post_id_b   VARCHAR,
    editor      VARCHAR NOT NULL,
    decided_at  TIMESTAMP NOT NULL,
    note        VARCHAR
);

-- One row per detection run (full or incremental).
CREATE TABLE IF NOT EXISTS duplicate_runs (
    run_id        BIGINT NOT NULL,
    mode          VARCHAR NOT NULL,       -- full | incremental
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    posts         BIGINT,
    compared      BIGINT,                 -- posts compared against the rest (all, or new/changed)
    candidates    BIGINT,
    verified      BIGINT,
    pairs         BIGINT,
    clusters      BIGINT,
    threshold     DOUBLE,
    floor         DOUBLE,
    seconds       DOUBLE,
    settings      VARCHAR                 -- JSON of the engine settings
);

-- Incremental state: what each post looked like when it was last compared ...
CREATE TABLE IF NOT EXISTS duplicate_state (
    post_id      VARCHAR NOT NULL,
    article_hash VARCHAR,                 -- posts.article_hash when compared (change detection)
    article_key  UBIGINT NOT NULL,        -- hash of the normalised article
    title_key    UBIGINT NOT NULL,        -- hash of the normalised title
    run_id       BIGINT NOT NULL
);

-- ... its MinHash signature (bins x uint16, little-endian) ...
CREATE TABLE IF NOT EXISTS duplicate_signatures (
    post_id  VARCHAR NOT NULL,
    sig      BLOB NOT NULL
);

-- ... and the template shingles removed before hashing (fixed by the last full run).
CREATE TABLE IF NOT EXISTS duplicate_template (
    shingle  UBIGINT NOT NULL
);

-- Upgrades of databases created by earlier builds of this schema (no-ops otherwise).
ALTER TABLE near_duplicates ALTER COLUMN similarity DROP NOT NULL;
ALTER TABLE duplicate_state ADD COLUMN IF NOT EXISTS article_hash VARCHAR;
ALTER TABLE duplicate_signatures ADD COLUMN IF NOT EXISTS sig BLOB;
ALTER TABLE duplicate_signatures DROP COLUMN IF EXISTS band;
ALTER TABLE duplicate_signatures DROP COLUMN IF EXISTS bucket;
