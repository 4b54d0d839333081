"""Corpus-level quality: template sentences, scores and findings, kept up to date in DuckDB.

After every import (the after-import stage :func:`after_import`, ``order=10``: before the
near-duplicates at 20 and the trend snapshot at 90):

1. per-post signals for the current revisions that have none yet
   (:func:`copydesk.quality.signals.compute_missing`);
2. in one transaction, the posts whose counted revision differs from their current one
   (new, changed, removed: ``quality/changes``) move the per-sentence post counts
   (``template_sentence_counts``) by their distinct sentences only
   (``quality/sentence_delta``, ``quality/apply_delta``);
3. the changed posts, and the posts holding a sentence that became or stopped being template
   text, are scored again (``quality/score_posts``).

When the ``[quality]`` policy or the signal definitions changed since the last computation,
every post is scored again.  :func:`recompute` rebuilds everything from the signals with a
full aggregation instead (the reference the incremental path is tested against).
"""

from __future__ import annotations

import datetime as dt
import json
import os

import pyarrow as pa
import pyarrow.compute as pc

from .. import freshness, hooks, queries
from ..db import transaction
from . import batch, signals

# Bumped when a definition in copydesk.quality.text or the stored layout changes: stored signals are
# then recomputed (2: sentence_hashes distinct first, with distinct_sentences).
SIGNALS_VERSION = 2
# DuckDB's memory cap for ``copydesk quality`` (at 1M posts: 1.7 GB peak with it, 3.6 GB without).
MEMORY_LIMIT = os.environ.get("COPYDESK_QUALITY_MEMORY", "1GB")


def score_params(policy: freshness.QualityPolicy) -> dict:
    """The named parameters of ``quality/score_posts`` for a ``[quality]`` policy."""
    return {
        "words_per_minute": float(policy.words_per_minute),
        "template_min_posts": int(policy.template_min_posts),
        "thin_words": int(policy.thin_words),
        "substance_words": int(policy.substance_words),
        "reading_time_tolerance": int(policy.reading_time_tolerance),
        "paragraph_tolerance": int(policy.paragraph_tolerance),
        **{f"w_{name}": float(policy.weights[name]) for name in freshness.QUALITY_WEIGHTS},
    }


# Bumped when quality/score_posts scores or words findings differently: the stored scores of every
# post are then computed again (from the stored signals) by the next import or ``copydesk quality``
# (2: ``no_sentences`` for every post without a sentence, ``short`` while substance is under 100).
SCORING_VERSION = 2


def _settings_json(policy: freshness.QualityPolicy) -> str:
    """The settings stored with the scores: a change (or a new :data:`SCORING_VERSION`) rescores every post."""
    return json.dumps({**policy.settings(), "scoring_version": SCORING_VERSION}, sort_keys=True)


def _state(con) -> tuple[int, dict] | None:
    rows = queries.run(con, "quality/state").fetchall()
    return (rows[0][0], json.loads(rows[0][1])) if rows else None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def _finish(con, policy, batch_id, params) -> int:
    """Score the posts of quality_affected and record the settings; returns how many were scored."""
    queries.run(con, "quality/delete_scores")
    queries.run(con, "quality/affected_sentences")
    queries.run(con, "quality/score_posts", **params)
    queries.run(con, "quality/delete_state")
    queries.run(con, "quality/save_state", signals_version=SIGNALS_VERSION, settings=_settings_json(policy),
                batch_id=batch_id, computed_at=_now())
    scored = int(queries.statement("quality/affected_count").scalar(con))
    queries.run(con, "quality/drop_work_tables")
    return scored


def _record_texts(con, min_posts: int, delta: bool) -> int:
    """Keep ``template_sentence_texts`` in step with the counts: forget the texts of sentences that
    are no longer template text (or whose example post changed), and record the text of the new
    ones.  Only hashes are stored per revision: the text comes from what the parser processes of
    this process's imports reported since the last computation (:func:`signals.take_pending_texts`)
    or, for a sentence not there, from splitting an example post's body again.

    The example post of a sentence is the first current revision holding it.  With ``delta`` (the
    incremental path, after ``quality/sentence_delta``) a sentence only new posts hold takes it from
    the delta; the others, and all of them without ``delta``, from a pass over the signals."""
    reported = signals.take_pending_texts()
    queries.run(con, "quality/forget_sentence_texts", template_min_posts=min_posts)
    queries.run(con, "quality/needed_sentence_texts", template_min_posts=min_posts)
    needed = int(queries.statement("quality/needed_count").scalar(con))
    if not needed:
        return 0
    queries.run(con, "quality/new_sentence_examples" if delta else "quality/no_examples")
    if int(queries.statement("quality/example_count").scalar(con)) < needed:
        queries.run(con, "quality/needed_examples")
    _record_found(con, reported)
    # the sentences not reported: their example posts' bodies split again (Arrow from end to end)
    examples = queries.statement("quality/example_bodies").arrow(con)
    if examples.num_rows:
        wanted = set(pc.list_flatten(examples.column("hashes").combine_chunks()).to_pylist())
        found = batch.sentence_texts(examples.column("body").combine_chunks(), wanted)
        _record_found(con, pa.Table.from_arrays([pa.array(list(found), pa.uint64()),
                                                 pa.array(list(found.values()), pa.string())],
                                                schema=signals.TEXTS_SCHEMA))
    return needed


def _record_found(con, texts: pa.Table) -> None:
    """Record the text of the needed sentences that ``texts`` (hash, normalised text) holds."""
    if not texts.num_rows:
        return
    con.register("quality_found_texts", texts)
    try:
        queries.run(con, "quality/record_sentence_texts")
    finally:
        con.unregister("quality_found_texts")


def update(con, policy: freshness.QualityPolicy | None = None, batch_id: int | None = None) -> dict:
    """Bring signals, sentence counts and scores up to date, incrementally; returns what was done."""
    policy = policy or freshness.load_policy().quality
    state = _state(con)
    if state is not None and state[0] != SIGNALS_VERSION:
        queries.run(con, "quality/clear_signals")
        state = None
    analysed = signals.compute_missing(con)
    params = score_params(policy)
    full = state is None or state[1] != json.loads(_settings_json(policy))

    def work() -> dict:
        queries.run(con, "quality/changes")
        queries.run(con, "quality/sentence_delta")
        flipped = int(queries.statement("quality/flipped_count", params).scalar(con))
        queries.run(con, "quality/apply_delta")
        _record_texts(con, params["template_min_posts"], delta=True)
        if full:
            queries.run(con, "quality/affected_all")
        else:
            queries.run(con, "quality/affected_changed")
            if flipped:
                queries.run(con, "quality/flipped_revisions", template_min_posts=params["template_min_posts"])
                queries.run(con, "quality/affected_flipped")
        scored = _finish(con, policy, batch_id, params)
        if batch_id is not None:
            queries.run(con, "quality/forget_batch", batch_id=int(batch_id))
            queries.run(con, "quality/record_batch", batch_id=int(batch_id), **queue_params(policy))
        return {"analysed": analysed, "scored": scored, "flipped": flipped, "full": full}
    with transaction(con):
        return work()


def limit_memory(con, limit: str | None = None) -> None:
    """Cap DuckDB's memory on ``con`` (default :data:`MEMORY_LIMIT`) before a full recomputation."""
    queries.run(con, "quality/memory_limit", limit=limit or MEMORY_LIMIT)


def recompute(con, policy: freshness.QualityPolicy | None = None) -> dict:
    """Recompute the corpus counts and every score from the stored signals (full aggregation)."""
    policy = policy or freshness.load_policy().quality
    state = _state(con)
    if state is not None and state[0] != SIGNALS_VERSION:
        queries.run(con, "quality/clear_signals")
    analysed = signals.compute_missing(con)
    params = score_params(policy)

    def work() -> dict:
        queries.run(con, "quality/clear")
        queries.run(con, "quality/recount")
        queries.run(con, "quality/changes")           # every current post is new now (an empty quality_changes' old side)
        _record_texts(con, params["template_min_posts"], delta=False)
        queries.run(con, "quality/affected_all")
        scored = _finish(con, policy, None, params)
        return {"analysed": analysed, "scored": scored, "full": True}
    with transaction(con):
        return work()


def queue_params(policy: freshness.QualityPolicy) -> dict:
    """The queue thresholds of a ``[quality]`` policy as named parameters."""
    return {"computed_low": int(policy.computed_low), "disagreement_margin": int(policy.disagreement_margin),
            "template_heavy_share": float(policy.template_heavy_share)}


def summary(con, policy: freshness.QualityPolicy | None = None) -> dict:
    """Corpus figures (``quality/summary``) and the findings by kind (``quality/finding_counts``)."""
    policy = policy or freshness.load_policy().quality
    out = queries.statement("quality/summary", queue_params(policy)).arrow(con).to_pylist()[0]
    counts = queries.statement("quality/finding_counts", {}, parts={"posts": "quality/_all_posts"}).arrow(con)
    out["findings"] = dict(zip(counts.column("code").to_pylist(), counts.column("posts").to_pylist()))
    return out


@hooks.after_import(order=10)
def after_import(con, batch_id: int) -> dict:
    """After-import stage: per-post signals of the new revisions, then the incremental corpus update."""
    return update(con, batch_id=batch_id)
