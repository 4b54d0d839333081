-- name: schema/50_quality
-- Quality signals copydesk computes itself: per-revision text signals, corpus sentence counts and the text of template sentences, per-post scores and findings; the post_quality and template_sentences views.
-- part: post_quality = quality/post_quality
-- part: template_sentences = quality/template_sentences

-- Per-revision signals of the article text (copydesk.quality.text), computed once per revision
-- and never changed: words, sentences, blocks, readability, the checklist comparison, and the
-- hashes of the normalised prose sentences for template detection: each distinct sentence once,
-- in the order they first occur, then the repeats (in order); distinct_sentences says how many
-- are distinct, so list_slice(sentence_hashes, 1, distinct_sentences) is the post's distinct sentences.
CREATE TABLE IF NOT EXISTS quality_signals (
    revision_id             BIGINT NOT NULL,      -- post_revisions.revision_id
    word_count              INTEGER NOT NULL,
    sentence_count          INTEGER NOT NULL,     -- sentences of the prose paragraphs
    paragraph_count         INTEGER NOT NULL,     -- prose paragraphs
    heading_count           INTEGER NOT NULL,
    list_item_count         INTEGER NOT NULL,
    avg_sentence_words      DOUBLE,               -- NULL without a sentence
    long_sentence_share     DOUBLE,               -- sentences over 20 words / sentences; NULL without a sentence
    flesch_reading_ease     DOUBLE,               -- of the prose; NULL without a sentence
    longest_paragraph_words INTEGER NOT NULL,
    checklist_missing       VARCHAR[],            -- NULL when the post has no meta checklist
    checklist_extra         VARCHAR[],            -- NULL when the post has no meta checklist
    sentence_hashes         UBIGINT[] NOT NULL,   -- XXH3-64 of the normalised prose sentences, distinct first
    distinct_sentences      INTEGER               -- how many of sentence_hashes are distinct (NULL: signals of version 1)
);
-- A database of signals version 1 gains the column; its signals are computed again (signals_version).
ALTER TABLE quality_signals ADD COLUMN IF NOT EXISTS distinct_sentences INTEGER;

-- For every normalised prose sentence (by hash) held by a current post: how many current posts
-- hold it.  Kept up to date incrementally after each import (new, changed and removed posts).
CREATE TABLE IF NOT EXISTS template_sentence_counts (
    sentence_hash UBIGINT NOT NULL,
    posts         INTEGER NOT NULL
);

-- The text of the template sentences (held by more than template_min_posts current posts):
-- the normalised sentence and a current post that held it when it was recorded.
CREATE TABLE IF NOT EXISTS template_sentence_texts (
    sentence_hash   UBIGINT NOT NULL,
    sentence        VARCHAR NOT NULL,
    example_post_id VARCHAR NOT NULL
);

-- One row per current post, as of the last quality computation: the signals that depend on
-- the corpus or on the policy, the sub-scores, the computed quality and the findings.
CREATE TABLE IF NOT EXISTS quality_scores (
    post_id                   VARCHAR NOT NULL,
    revision_id               BIGINT NOT NULL,   -- the revision these were computed for
    template_sentences        INTEGER,           -- prose sentences found in >= template_min_posts other current posts
    template_share            DOUBLE,            -- template_sentences / sentence_count; NULL without a sentence
    estimated_reading_minutes INTEGER NOT NULL,
    reading_time_gap          INTEGER,
    score_readability         INTEGER NOT NULL,
    score_structure           INTEGER NOT NULL,
    score_originality         INTEGER NOT NULL,
    score_consistency         INTEGER NOT NULL,
    score_substance           INTEGER NOT NULL,
    computed_quality          INTEGER NOT NULL,
    findings                  VARCHAR[] NOT NULL,
    finding_codes             VARCHAR[] NOT NULL  -- the kind of each finding, in the same order
);

-- The settings the scores were computed with (one row): a change of the [quality] policy, or
-- of the signal definitions (signals_version), makes the next computation a full one.
CREATE TABLE IF NOT EXISTS quality_state (
    signals_version INTEGER NOT NULL,
    settings        JSON NOT NULL,
    batch_id        BIGINT,
    computed_at     TIMESTAMP NOT NULL
);

CREATE OR REPLACE VIEW post_quality AS {{post_quality}};

CREATE OR REPLACE VIEW template_sentences AS {{template_sentences}};

-- Computed-quality figures after each import batch (corpus-wide: all_sites; and per site), recorded
-- by the quality stage: the trend snapshots' computed side (batch_metrics holds the recorded side).
CREATE TABLE IF NOT EXISTS quality_batch_metrics (
    batch_id                BIGINT NOT NULL,
    all_sites               BOOLEAN NOT NULL,  -- true: the whole corpus (site is NULL)
    site                    VARCHAR,
    posts                   BIGINT NOT NULL,
    scored                  BIGINT NOT NULL,
    mean_computed_quality   DOUBLE,
    median_computed_quality DOUBLE,
    mean_recorded_quality   DOUBLE,
    mean_readability        DOUBLE,
    mean_structure          DOUBLE,
    mean_originality        DOUBLE,
    mean_consistency        DOUBLE,
    mean_substance          DOUBLE,
    mean_template_share     DOUBLE,
    computed_low            BIGINT,            -- computed quality below [quality] computed_low
    disagreements           BIGINT,            -- |recorded - computed| >= [quality] disagreement_margin
    template_heavy          BIGINT             -- template_share >= [quality] template_heavy_share
);
