-- name: schema/20_review
-- Review decisions (append-only log) and the current decision per post (a view).
CREATE SEQUENCE IF NOT EXISTS review_decision_seq START 1;

-- One row per decision ever made; never updated or deleted (undo = a new 'reopen' decision).
CREATE TABLE IF NOT EXISTS review_decisions (
    decision_id   BIGINT PRIMARY KEY DEFAULT nextval('review_decision_seq'),
    post_id       VARCHAR NOT NULL,
    decision      VARCHAR NOT NULL
                  CHECK (decision IN ('approve', 'needs_edits', 'merge', 'unpublish', 'snooze', 'reopen')),
    note          VARCHAR,
    reviewer      VARCHAR NOT NULL CHECK (length(trim(reviewer)) > 0),
    assignee      VARCHAR,
    merge_into    VARCHAR,              -- decision 'merge': the post to merge into
    snooze_until  DATE,                 -- decision 'snooze': back in the queue on this date
    decided_at    TIMESTAMP NOT NULL,   -- UTC
    content_hash  VARCHAR,              -- posts.source_sha256 the reviewer saw
    CHECK (decision <> 'merge' OR merge_into IS NOT NULL),
    CHECK (decision <> 'snooze' OR snooze_until IS NOT NULL)
);


-- The latest decision of each post: the one recorded last (decision ids only grow), whatever the
-- clocks of the processes that recorded them said.
CREATE OR REPLACE VIEW review_state AS
SELECT *
FROM review_decisions
QUALIFY row_number() OVER (PARTITION BY post_id ORDER BY decision_id DESC) = 1;
