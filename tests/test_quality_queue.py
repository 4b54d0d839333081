"""The review queue's quality reasons on a real database after `copydesk import` alone: thin posts
and template-heavy posts land in the queue through computed_quality_low / template_heavy /
quality_disagreement, metadata_mismatch is a signal, severities and thresholds come from the policy."""

from __future__ import annotations

import datetime as dt

import pytest

from copydesk import db as dbmod
from copydesk import freshness, queue
from copydesk.freshness import policy_from_dict
from copydesk.importer import import_paths
from quality_support import page, write

AS_OF = dt.date(2025, 2, 1)          # every post was reviewed 2025-01-10: fresh, no staleness reason
SHARED = ["Boilerplate line one is the same in every template post.",
          "Boilerplate line two is also repeated word for word.",
          "Boilerplate line three closes the shared part of the text."]


def _original(i: int) -> str:
    paragraphs = [" ".join(f"Post {i} paragraph {p} sentence {s} explains idea number {i * 31 + p * 7 + s}."
                           for s in range(7)) for p in range(4)]
    return "\n\n".join(["Why it matters", paragraphs[0], paragraphs[1], "How to do it", paragraphs[2], paragraphs[3]])


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("qq")
    src = tmp / "p"
    for i in range(4):        # originals: long, distinct, consistent metadata, recorded 90
        write(src, f"o{i}.txt", page(f"orig-{i}", _original(i), quality=90, reading_time=2, paragraphs=4))
    for i in range(7):        # template-heavy: 3 shared sentences of 4
        body = "\n\n".join([f"Heading {i}", " ".join(SHARED) + f" Only template post {i} adds this line."])
        write(src, f"t{i}.txt", page(f"tmpl-{i}", body, quality=93, reading_time=2, paragraphs=2))
    write(src, "thin.txt", page("thin-1", "Short notes\n\nA post of a few words only.", quality=85))
    write(src, "meta.txt", page("meta-1", _original(7), quality=90, reading_time=14, paragraphs=4))
    path = tmp / "q.duckdb"
    import_paths([src], path, workers=1)            # `copydesk import` alone: no other command
    return path


def _queue(db, policy=None) -> dict:
    policy = policy or freshness.Policy()
    with dbmod.session(db, read_only=True) as con:
        df = queue.fetch_page(con, policy, {"state": "all"}, as_of=AS_OF, limit=1000)
    return {r.post_id: r for r in df.itertuples()}


def test_thin_and_template_heavy_posts_land_in_the_queue_through_the_quality_reasons(db):
    q = _queue(db)
    thin = q["thin-1"]
    assert "computed_quality_low" in thin.queue_reasons
    assert [t for t in thin.reasons if t.startswith("computed quality")] == [
        next(t for t in thin.reasons if "thin: " in t)]
    assert any("thin: 9 words" in t for t in thin.reasons)
    for i in range(7):
        row = q[f"tmpl-{i}"]
        assert "template_heavy" in row.queue_reasons, row.reasons
        assert "template text: 75% of sentences (each in ≥ 5 other posts)" in row.reasons
        # recorded 93, computed far lower: the disagreement is a reason of its own
        gap = [t for t in row.reasons if t.startswith("recorded quality 93 vs computed ")]
        assert gap and 93 - int(gap[0].rsplit(" ", 1)[1]) >= 30
        assert "quality_disagreement" in row.queue_reasons
    # the originals need nobody
    assert not {f"orig-{i}" for i in range(4)} & {pid for pid, r in q.items() if r.in_queue}


def test_a_metadata_mismatch_is_a_signal(db):
    q = _queue(db)
    row = q.get("meta-1")
    # a signal alone does not queue the post (state "all" shows queued or decided posts only)
    assert row is None or not row.in_queue
    strict = policy_from_dict({"queue": {"signals": ["low_score"]}})       # made a queue reason
    row = _queue(db, strict)["meta-1"]
    assert row.in_queue and row.queue_reasons == ["metadata_mismatch"]
    assert row.reasons == ["metadata mismatch: reading time says 14 min, the text reads in 2"]


def test_thresholds_and_severities_come_from_the_policy(db):
    base = _queue(db)["tmpl-0"]
    heavier = policy_from_dict({"priority": {"severity": {"template_heavy": 60}}})
    assert _queue(db, heavier)["tmpl-0"].priority == base.priority + 35
    lenient = policy_from_dict({"quality": {"template_heavy_share": 0.8, "disagreement_margin": 90,
                                            "computed_low": 0}})
    row = _queue(db, lenient).get("tmpl-0")
    assert row is None or not ({"template_heavy", "quality_disagreement"} & set(row.reason_codes))


def test_the_reason_filter_and_counts_know_the_new_reasons(db):
    with dbmod.session(db, read_only=True) as con:
        counts = queue.reason_counts(con, freshness.Policy(), AS_OF, {})
        only = queue.fetch_page(con, freshness.Policy(), {"reason": ["template_heavy"]}, as_of=AS_OF, limit=100)
    by_code = dict(zip(counts["reason"], counts["posts"]))
    assert by_code.get("template_heavy") == 7 and by_code.get("computed_quality_low", 0) >= 1
    assert sorted(only["post_id"]) == [f"tmpl-{i}" for i in range(7)]
