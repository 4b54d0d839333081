-- name: schema/40_trends
-- Per-import-batch snapshots of the corpus's headline figures, corpus-wide and per site (trends across imports).
CREATE TABLE IF NOT EXISTS batch_metrics (
    batch_id                BIGINT PRIMARY KEY,   -- import_batches.batch_id the snapshot was taken after
    recorded_at             TIMESTAMP NOT NULL,
    as_of                   DATE NOT NULL,        -- date freshness and staleness were computed for
    posts                   BIGINT NOT NULL,
    queue_size              BIGINT,               -- NULL when the review queue was not available
    stale_posts             BIGINT,
    stale_share             DOUBLE,
    median_quality          DOUBLE,
    mean_quality            DOUBLE,
    mean_freshness          DOUBLE,
    mean_depth              DOUBLE,
    mean_clarity            DOUBLE,
    mean_computed_freshness DOUBLE,
    poor_quality_posts      BIGINT,               -- quality below the policy's "watch" band
    near_duplicate_pairs    BIGINT,               -- NULL when duplicate detection has not run
    duplicate_clusters      BIGINT,
    stale_after_days        INTEGER,
    half_life_days          DOUBLE
);

-- The same figures per site, so the batch trend can follow the sidebar's site filter.
CREATE TABLE IF NOT EXISTS batch_site_metrics (
    batch_id                BIGINT NOT NULL,
    site                    VARCHAR,
    posts                   BIGINT NOT NULL,
    stale_posts             BIGINT,
    stale_share             DOUBLE,
    median_quality          DOUBLE,
    mean_quality            DOUBLE,
    mean_freshness          DOUBLE,
    mean_depth              DOUBLE,
    mean_clarity            DOUBLE,
    mean_computed_freshness DOUBLE,
    poor_quality_posts      BIGINT
);
