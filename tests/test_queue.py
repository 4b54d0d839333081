"""The review queue: reasons in words, priority, filters, paging, decisions, concurrency."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import subprocess
import sys
import textwrap

import pytest

from copydesk import db as dbmod
from copydesk import queries, queue
from copydesk.freshness import Policy, policy_from_dict
from review_support import AS_OF, build_db, post_row, write_page

# Every reason queues on its own here (no signals): these tests pin each reason's words and mechanics.
# The default split (signals only raise priority) is pinned by the tests after test_every_reason_in_words.
POL = policy_from_dict({"queue": {"signals": []}})
DEFAULT = Policy()


def all_rows(path, filters=None, policy=POL, as_of=AS_OF):
    with dbmod.session(path, read_only=True) as con:
        records = queue.queue_sql(policy, filters or {}, as_of=as_of, con=con).df(con).to_dict("records")
    return {r["post_id"]: {k: v.tolist() if hasattr(v, "ndim") else v for k, v in r.items()} for r in records}


def old(days):
    return AS_OF - dt.timedelta(days=days)


@pytest.fixture
def corpus(db_file):
    build_db(db_file, [
        post_row("clean"),                                                    # no reason at all
        post_row("flag", needs_human_review=True, view_count=1_000_000),
        post_row("stale-draft", status="drafted", last_reviewed=old(812), score_freshness=None),
        post_row("never-draft", status="in review", last_reviewed=None, score_freshness=None),
        post_row("ai", ai_generated_style=True, last_reviewed=None, score_freshness=None),
        post_row("low", score_quality=41, score_depth=59),
        post_row("nometa", has_meta=False, score_quality=None, score_freshness=None,
                 score_depth=None, score_clarity=None),
        post_row("warn", warnings=["bad date", "score 130 out of range", "x"]),
        post_row("drift", last_reviewed=old(540), score_freshness=0),
        post_row("update", status="needs update"),
        post_row("old-published", status="published", last_reviewed=old(2000), score_freshness=40),
        post_row("dup", title="same title"), post_row("canon", title="same title"),
    ])
    con = dbmod.open_db(db_file)
    con.execute("INSERT INTO duplicate_clusters VALUES (1, 'canon', 2, true, 'canon', 'most viewed', 90, 1),"
                " (1, 'dup', 2, false, 'canon', NULL, 90, 1)")
    con.execute("INSERT INTO near_duplicates VALUES ('canon', 'dup', 96.4, 100, 'near', 1)")
    con.close()
    return db_file


def test_every_reason_in_words(corpus):
    rows = all_rows(corpus)
    assert "clean" not in rows and "canon" not in rows
    reasons = {pid: r["reasons"] for pid, r in rows.items()}
    assert reasons["flag"] == ["flagged: needs human review"]
    assert reasons["stale-draft"] == ["stale draft: last reviewed 812 days ago"]
    assert reasons["never-draft"] == ["never-reviewed draft (in review)"]
    assert reasons["ai"] == ["AI-generated style, never reviewed"]
    assert reasons["low"] == ["quality 41 < 60", "depth 59 < 60"]
    assert reasons["nometa"] == ["no metadata"]
    assert reasons["warn"] == ["3 parse warnings"]
    computed = round(100 * 0.5 ** (540 / POL.half_life_days) + 1e-9)
    assert reasons["drift"] == ["freshness 0 < 60", f"recorded freshness 0 vs computed {computed}"]
    assert reasons["update"] == ["status: needs update"]
    assert reasons["dup"] == ["near-duplicate of canon (96)"]
    assert reasons["old-published"] == ["freshness 40 < 60"]     # a stale published post: only its low score
    assert rows["low"]["reason_codes"] == ["low_score"]
    assert rows["dup"]["reasons_text"] == "near-duplicate of canon (96)"


QUEUE_REASON_POSTS = {"flag", "stale-draft", "never-draft", "ai", "nometa", "update", "dup"}
SIGNAL_ONLY_POSTS = {"low", "warn", "drift", "old-published"}


def test_signals_alone_do_not_queue_a_post(corpus):
    """By default low_score, freshness_drift and parse_warnings are signals: a post with only
    signals is not in the open queue; every other reason queues a post on its own."""
    assert set(all_rows(corpus, policy=DEFAULT)) == QUEUE_REASON_POSTS
    assert set(all_rows(corpus, policy=DEFAULT, filters={"state": "all"})) == QUEUE_REASON_POSTS
    assert set(all_rows(corpus)) == QUEUE_REASON_POSTS | SIGNAL_ONLY_POSTS          # no signals: all queue
    with_low = policy_from_dict({"queue": {"signals": ["freshness_drift", "parse_warnings"]}})
    assert set(all_rows(corpus, policy=with_low)) == QUEUE_REASON_POSTS | {"low", "drift", "old-published"}
    with dbmod.session(corpus, read_only=True) as con:
        assert queue.queue_count(con, DEFAULT, AS_OF) == len(QUEUE_REASON_POSTS)
        counts = queue.reason_counts(con, DEFAULT, AS_OF)
    assert set(counts["kind"]) == {"queue"}          # no queued post carries a signal in this corpus
    with pytest.raises(Exception, match="unknown reason"):
        policy_from_dict({"queue": {"signals": ["low_scores"]}})


def test_a_signal_raises_priority_and_shows_after_the_queue_reasons(db_file):
    build_db(db_file, [
        post_row("both", needs_human_review=True, score_quality=41, warnings=["w"]),
        post_row("flag-only", needs_human_review=True),
        post_row("low-only", score_quality=41),
        post_row("meta-flag", needs_human_review=True, has_meta=False),
    ])
    rows = all_rows(db_file, policy=DEFAULT)
    assert set(rows) == {"both", "flag-only", "meta-flag"}
    both, alone = rows["both"], rows["flag-only"]
    sev = DEFAULT.severity
    assert both["priority"] - alone["priority"] == sev["low_score"] + sev["parse_warnings"]
    assert both["reason_codes"] == ["flagged", "low_score", "parse_warnings"]
    assert both["queue_reasons"] == ["flagged"] and both["signal_reasons"] == ["low_score", "parse_warnings"]
    assert both["reasons"] == ["flagged: needs human review", "quality 41 < 60", "1 parse warning"]
    # the main reason: the queue reason of highest severity (flagged 40 > no_metadata 35), policy-set
    assert both["main_reason"] == "flagged" and rows["meta-flag"]["main_reason"] == "flagged"
    heavier = policy_from_dict({"priority": {"severity": {"no_metadata": 50}}})
    assert all_rows(db_file, policy=heavier)["meta-flag"]["main_reason"] == "no_metadata"
    with dbmod.session(db_file, read_only=True) as con:
        counts = queue.reason_counts(con, DEFAULT, AS_OF)
    got = {r["reason"]: (r["kind"], r["posts"], r["main"]) for r in counts.to_dict("records")}
    assert got == {"flagged": ("queue", 3, 3), "no_metadata": ("queue", 1, 0),
                   "low_score": ("signal", 1, 0), "parse_warnings": ("signal", 1, 0)}


def test_every_reason_has_its_flag_column_in_reasons_order(corpus):
    """queries/review/queue_keys.sql has one boolean r_<code> per copydesk.domain.REASONS code, and
    every code has a severity: what adding a reason must keep true."""
    from copydesk.domain import REASONS
    from copydesk.freshness import DEFAULT_SEVERITY
    with dbmod.session(corpus, read_only=True) as con:
        cols = queue.statement("review/queue_keys", DEFAULT, {}, as_of=AS_OF, con=con).df(con).columns
    flags = [c for c in cols if c.startswith("r_") and c[2:] in REASONS]
    assert flags == [f"r_{code}" for code in REASONS]
    assert set(DEFAULT_SEVERITY) == set(REASONS)


def test_approve_counts_as_a_review(db_file):
    """effective_last_reviewed = the later of the recorded date and the last approve / needs_edits;
    freshness and staleness follow it; the recorded date is kept."""
    build_db(db_file, [post_row("stale", status="drafted", last_reviewed=old(812)),
                       post_row("other", status="drafted", last_reviewed=old(812))])
    before = all_rows(db_file, policy=DEFAULT)
    assert before["stale"]["band"] == "stale" and before["stale"]["main_reason"] == "stale_draft"
    with dbmod.session(db_file) as con:
        queue.record_decisions(con, ["stale"], "approve", "dana", decided_at=dt.datetime(2025, 5, 30, 12))
        queue.record_decisions(con, ["other"], "snooze", "dana", snooze_until=AS_OF + dt.timedelta(days=1),
                               decided_at=dt.datetime(2025, 5, 30, 12))
    after = all_rows(db_file, policy=DEFAULT, filters={"state": "all"})
    assert "stale" not in all_rows(db_file, policy=DEFAULT)          # decided: out of the open queue
    assert after["stale"]["effective_last_reviewed"].date() == dt.date(2025, 5, 30)
    assert after["stale"]["last_reviewed"].date() == old(812)               # the recorded date is kept
    assert (after["stale"]["review_age_days"], after["stale"]["band"]) == (2, "fresh")
    assert after["stale"]["computed_freshness"] == 100
    assert after["other"]["band"] == "stale"                          # a snooze is not a review
    # a decision after the as-of date does not count for that date
    earlier = all_rows(db_file, policy=DEFAULT, filters={"state": "all"}, as_of=dt.date(2025, 5, 29))
    assert earlier["stale"]["effective_last_reviewed"].date() == old(812)
    with dbmod.session(db_file) as con:
        data = queue.export_csv(con, DEFAULT, AS_OF, {"state": "all"})
    exported = {r["post_id"]: r for r in csv.DictReader(io.StringIO(data.decode()))}
    assert exported["stale"]["effective_last_reviewed"] == "2025-05-30"


def test_priority_follows_the_documented_formula(corpus):
    rows = all_rows(corpus)
    sev = POL.severity

    def expected(r, codes_weights):
        age = r["review_age_days"]
        stale = POL.staleness_max if age is None or age != age else \
            POL.staleness_max * min(1, age / (2 * r["stale_after_days"]))
        impact = min(POL.impact_max, POL.impact_per_decade * math.log10(1 + r["view_count"]))
        return round(sum(codes_weights) + stale + impact)
    assert rows["flag"]["priority"] == expected(rows["flag"], [sev["flagged"]])
    assert rows["low"]["priority"] == expected(rows["low"], [sev["low_score"]] * 2)
    assert rows["stale-draft"]["priority"] == expected(rows["stale-draft"], [sev["stale_draft"]])
    with dbmod.session(corpus, read_only=True) as con:
        page = queue.fetch_page(con, POL, {}, as_of=AS_OF, limit=100)
    assert page["priority"].tolist() == sorted(page["priority"], reverse=True)
    assert page["post_id"].iloc[0] == "flag"          # flagged + a million views


def test_severity_weights_come_from_the_policy(corpus):
    heavy = policy_from_dict({"priority": {"severity": {"parse_warnings": 500}}, "queue": {"signals": []}})
    with dbmod.session(corpus, read_only=True) as con:
        assert queue.fetch_page(con, heavy, {}, as_of=AS_OF, limit=1)["post_id"].iloc[0] == "warn"


def test_duplicate_reason_without_the_duplicate_tables(db_file):
    build_db(db_file, [post_row("x", needs_human_review=True)])
    con = dbmod.connect(db_file)
    con.execute("DROP TABLE duplicate_clusters")
    con.execute("DROP TABLE near_duplicates")
    try:
        assert queue.queue_count(con, POL, AS_OF) == 1
        assert queue.post_duplicates(con, "x").empty
    finally:
        con.close()


def test_filters_state_and_counts(corpus):
    assert set(all_rows(corpus, {"reason": "low_score"})) == {"low", "old-published", "drift"}
    assert set(all_rows(corpus, {"reason": ["flagged", "duplicate"]})) == {"flag", "dup"}
    assert set(all_rows(corpus, {"band": "never"})) == {"never-draft", "ai"}
    assert set(all_rows(corpus, {"band": "stale"})) == {"stale-draft", "drift", "old-published"}
    assert set(all_rows(corpus, {"status": "drafted"})) == {"stale-draft"}
    assert set(all_rows(corpus, {"search": "META"})) == {"nometa"}
    with dbmod.session(corpus, read_only=True) as con:
        n = queue.queue_count(con, POL, AS_OF)
        counts = queue.reason_counts(con, POL, AS_OF)
    assert n == len(all_rows(corpus))
    assert dict(zip(counts["reason"], counts["posts"])) == {
        "flagged": 1, "stale_draft": 1, "never_reviewed_draft": 1, "ai_unreviewed": 1, "low_score": 3,
        "no_metadata": 1, "parse_warnings": 1, "freshness_drift": 1, "needs_update": 1, "duplicate": 1}
    assert set(counts["kind"]) == {"queue"}


def test_paging_is_done_in_duckdb_and_covers_every_row_once(corpus):
    n = len(all_rows(corpus))
    seen = []
    with dbmod.session(corpus, read_only=True) as con:
        for offset in range(0, n + 3, 3):
            page = queue.fetch_page(con, POL, {}, as_of=AS_OF, sort="post_id", direction="ASC",
                                    limit=3, offset=offset)
            assert len(page) <= 3
            seen += page["post_id"].tolist()
    assert seen == sorted(all_rows(corpus))


def test_sort_column_comes_from_a_fixed_list(corpus):
    with pytest.raises(queries.QueryError, match="not one of"):
        queue.queue_page_sql(POL, {}, sort="priority; DROP TABLE posts")
    with pytest.raises(queries.QueryError, match="not one of"):
        queue.queue_page_sql(POL, {}, direction="sideways")
    assert set(queries.get("review/queue_page").choices["sort"]) == queue.SORT_COLUMNS


def test_decide_leave_return_on_content_change_and_undo(corpus):
    decided_at = dt.datetime(2025, 6, 1, 9, 0)
    with dbmod.session(corpus) as con:
        ids = queue.record_decisions(con, ["flag", "low"], "approve", "dana", note="fine", decided_at=decided_at)
        assert len(ids) == 2
    rows = all_rows(corpus)
    assert "flag" not in rows and "low" not in rows
    decided = all_rows(corpus, {"state": "decided"})
    assert set(decided) == {"flag", "low"} and decided["flag"]["last_reviewer"] == "dana"
    # the post's content changes (a re-import writes a new source_sha256): it comes back, saying why
    with dbmod.session(corpus) as con:
        con.execute("UPDATE post_revisions SET source_sha256 = 'changed', body = 'new body' WHERE post_id = 'flag' AND is_current")
    rows = all_rows(corpus)
    assert rows["flag"]["reasons"] == ["flagged: needs human review",
                                       "content changed since approve by dana on 2025-06-01"]
    assert "low" not in rows
    # undo is a new decision
    with dbmod.session(corpus) as con:
        queue.record_decisions(con, "low", "reopen", "dana")
        log = queue.decision_log(con)
    assert "low" in all_rows(corpus)
    assert log["decision"].tolist()[:1] == ["reopen"] and len(log) == 3


def test_snooze_until_a_date(corpus):
    with dbmod.session(corpus) as con:
        queue.record_decisions(con, "warn", "snooze", "dana", snooze_until=AS_OF + dt.timedelta(days=7))
    assert "warn" not in all_rows(corpus, as_of=AS_OF)
    assert "warn" not in all_rows(corpus, as_of=AS_OF + dt.timedelta(days=6))
    assert "warn" in all_rows(corpus, as_of=AS_OF + dt.timedelta(days=7))


def test_needs_edits_with_assignee_and_the_assignee_filter(corpus):
    with dbmod.session(corpus) as con:
        queue.record_decisions(con, ["ai", "drift"], "needs_edits", "dana", assignee="sam")
        assert queue.assignees(con) == ["sam"]
    assert set(all_rows(corpus, {"assignee": "sam", "state": "decided"})) == {"ai", "drift"}
    assert all_rows(corpus, {"assignee": "sam"}) == {}


@pytest.mark.parametrize("kwargs, message", [
    ({"post_ids": ["flag"], "decision": "approve", "reviewer": "  "}, "no reviewer"),
    ({"post_ids": ["flag"], "decision": "shrug", "reviewer": "dana"}, "unknown decision"),
    ({"post_ids": [], "decision": "approve", "reviewer": "dana"}, "no post"),
    ({"post_ids": ["ghost"], "decision": "approve", "reviewer": "dana"}, "unknown post"),
    ({"post_ids": ["dup"], "decision": "merge", "reviewer": "dana"}, "merge needs"),
    ({"post_ids": ["dup"], "decision": "merge", "reviewer": "dana", "merge_into": "dup"}, "itself"),
    ({"post_ids": ["dup"], "decision": "snooze", "reviewer": "dana"}, "snooze needs a date"),
])
def test_refused_decisions_record_nothing(corpus, kwargs, message):
    with dbmod.session(corpus) as con:
        with pytest.raises(queue.DecisionError, match=message):
            queue.record_decisions(con, **kwargs)
        assert queue.decision_log(con).empty


def test_merge_records_the_target(corpus):
    with dbmod.session(corpus) as con:
        queue.record_decisions(con, ["dup"], "merge", "dana", merge_into="canon")
        log = queue.decision_log(con)
    assert log[["post_id", "decision", "merge_into"]].values.tolist() == [["dup", "merge", "canon"]]
    assert "dup" not in all_rows(corpus)


def test_decision_keeps_the_hash_the_reviewer_saw(corpus):
    seen = all_rows(corpus)["flag"]["source_sha256"]
    with dbmod.session(corpus) as con:
        con.execute("UPDATE post_revisions SET source_sha256 = 'imported meanwhile' WHERE post_id = 'flag' AND is_current")
        queue.record_decisions(con, ["flag"], "approve", "dana", content_hashes={"flag": seen})
    # the reviewer approved the old text: the new one still needs a look
    assert "content_changed" in all_rows(corpus)["flag"]["reason_codes"]


def test_csv_downloads(corpus):
    with dbmod.session(corpus) as con:
        queue.record_decisions(con, ["low"], "approve", "dana", note='says "ok", <b>fine</b>')
        data = queue.export_csv(con, POL, AS_OF)
        log = queue.decision_log_csv(con)
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert len(rows) == len(all_rows(corpus))
    assert {r["post_id"]: r["reasons"] for r in rows}["flag"] == "flagged: needs human review"
    assert {r["post_id"] for r in rows} == set(all_rows(corpus))
    entries = list(csv.DictReader(io.StringIO(log.decode())))
    assert [(e["post_id"], e["note"]) for e in entries] == [("low", 'says "ok", <b>fine</b>')]


def test_queue_sql_is_one_statement_for_other_modules(corpus):
    stmt = queue.queue_sql(POL, {"site": "alphanode", "reason": "flagged"}, as_of=AS_OF)
    sql, params = stmt.sql, stmt.params
    assert not sql.rstrip().endswith(";") and "as_of" in params
    with dbmod.session(corpus, read_only=True) as con:
        wrapped = con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0]
        assert wrapped == queue.queue_count(con, POL, AS_OF, {"site": "alphanode", "reason": "flagged"}) == 1


def test_every_review_query_runs_on_a_real_database(corpus):
    """Each named query of this area executes (composed ones through the functions that compose them)."""
    with dbmod.session(corpus) as con:
        queue.record_decisions(con, ["flag"], "approve", "dana")
        for name in ("review/decision_log", "review/post", "review/post_duplicates"):
            q = queries.get(name)
            queries.run(con, name, post_id="dup").fetchall()
            assert q.doc
        assert queries.run(con, "review/known_posts", post_ids=["dup", "nope"]).fetchall() == [("dup",)]
        assert queue.tables_present(con, ["posts", "nope"]) == {"posts"}
        assert queries.run(con, "review/assignees").fetchall() == []
        assert queue.post_duplicates(con, "dup")["other_post_id"].tolist() == ["canon"]
        assert queue.post_detail(con, "dup")["title"] == "same title"
        for fn in (queue.queue_count, queue.reason_counts, queue.stale_drafts, queue.export_csv):
            fn(con, POL, AS_OF)
        queue.fetch_page(con, POL, {}, as_of=AS_OF)
        links = queries.run(con, "review/duplicate_links").fetchall()
        assert links == [("dup", "canon", 96)]
        assert queries.run(con, "review/duplicate_links_none").fetchall() == []


# --- concurrency with real processes -------------------------------------------------------------

WRITER = textwrap.dedent("""
    import sys
    from copydesk.importer import import_paths
    for folder in sys.argv[2:]:
        import_paths([folder], sys.argv[1], workers=1, batch_size=5, yield_every=0.05)
    print("imported")
""")


@pytest.mark.slow
def test_import_in_another_process_while_editors_decide(tmp_path):
    """A CLI-like import runs in a subprocess while this process records decisions: nothing is lost."""
    db = tmp_path / "c.duckdb"
    first = tmp_path / "first"
    for i in range(30):
        write_page(first, f"{i:03d}_a.txt", f"alphanode-{i:06d}", flagged=True)
    from copydesk.importer import import_paths
    import_paths([first], db, workers=1)
    batches = []
    for b in range(3):
        folder = tmp_path / f"more{b}"
        for i in range(25):
            write_page(folder, f"{i:03d}_b.txt", f"betanode-{b}{i:05d}", flagged=True)
        batches.append(str(folder))
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db), *batches],
                            cwd=str(queue.__file__).rsplit("/copydesk/", 1)[0],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    made = during = 0
    ids = [f"alphanode-{i:06d}" for i in range(30)]
    while proc.poll() is None or made < len(ids):
        if made < len(ids):
            during += proc.poll() is None
            queue.decide(db, [ids[made]], "approve", f"editor-{made % 2}")   # two editors, alternating
            made += 1
        with queue.session(db, read_only=True) as con:     # the dashboard keeps reading meanwhile
            queue.queue_count(con, POL, AS_OF)
        if proc.poll() is not None and made >= len(ids):
            break
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert during > 0                                                      # the two really overlapped
    with dbmod.session(db, read_only=True) as con:
        log = queue.decision_log(con)
        assert sorted(log["post_id"]) == sorted(ids)                       # no decision lost
        assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == 30 + 3 * 25   # the import finished
        left = all_rows(db, {"post_ids": ids})
    assert left == {}                                                     # every decided post left the queue


def test_two_step_page_equals_the_single_statement_page(corpus):
    with dbmod.session(corpus, read_only=True) as con:
        for sort, direction, offset in [("priority", "DESC", 0), ("review_age_days", "ASC", 2),
                                        ("title", "DESC", 4), ("priority", "DESC", 50)]:
            single = queue.queue_page_sql(POL, {}, sort=sort, direction=direction, limit=3, offset=offset,
                                          as_of=AS_OF, con=con).df(con)
            two_step = queue.fetch_page(con, POL, {}, sort=sort, direction=direction, limit=3, offset=offset,
                                        as_of=AS_OF)
            assert two_step["post_id"].tolist() == single["post_id"].tolist()
            assert two_step["reasons_text"].tolist() == single["reasons_text"].tolist()
    assert single.empty and list(single.columns) == list(two_step.columns)


def test_cli_queue_decide_policy(corpus):
    from click.testing import CliRunner

    from copydesk.cli import main
    runner = CliRunner()
    res = runner.invoke(main, ["queue", "--db", str(corpus), "--as-of", AS_OF.isoformat(), "--limit", "2"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].startswith(f"{len(all_rows(corpus, policy=DEFAULT))} posts in the queue as of {AS_OF.isoformat()}")
    assert "flag" in lines[1] and "flagged: needs human review" in lines[1] and len(lines) == 3
    res = runner.invoke(main, ["queue", "--db", str(corpus), "--as-of", AS_OF.isoformat(), "--reason", "duplicate",
                               "--json"])
    assert res.exit_code == 0 and '"reasons": ["near-duplicate of canon (96)"]' in res.output
    assert '"main_reason": "duplicate"' in res.output and '"effective_last_reviewed": "2025-05-22"' in res.output
    assert runner.invoke(main, ["queue", "--db", str(corpus), "--reason", "nope"]).exit_code == 2
    res = runner.invoke(main, ["decide", "flag", "low", "--db", str(corpus), "--decision", "approve",
                               "--reviewer", "cli"])
    assert res.exit_code == 0 and "recorded approve for 2 post(s)" in res.output
    assert {"flag", "low"}.isdisjoint(all_rows(corpus))
    res = runner.invoke(main, ["decide", "ghost", "--db", str(corpus), "--decision", "approve", "--reviewer", "x"])
    assert res.exit_code == 2 and "unknown post" in res.output
    res = runner.invoke(main, ["policy"])
    assert res.exit_code == 0 and "source: " in res.output and "bands: fresh < 90 d" in res.output
    assert "signals (priority only): low_score, freshness_drift, parse_warnings" in res.output


def test_cli_export_review_queue_takes_the_queue_filters_and_priority_order(corpus, tmp_path):
    import pyarrow.parquet as pq
    from click.testing import CliRunner

    from copydesk.cli import main
    out = tmp_path / "q.parquet"
    res = CliRunner().invoke(main, ["export", "review-queue", "--db", str(corpus), "--as-of", AS_OF.isoformat(),
                                    "--parquet", str(out), "--state", "all"])
    assert res.exit_code == 0, res.output
    table = pq.read_table(out).to_pylist()
    assert [r["priority"] for r in table] == sorted((r["priority"] for r in table), reverse=True)
    assert {r["post_id"] for r in table} == set(all_rows(corpus, policy=DEFAULT, filters={"state": "all"}))
    assert {r["post_id"]: r["reasons"] for r in table}["dup"] == ["near-duplicate of canon (96)"]   # a list
    res = CliRunner().invoke(main, ["export", "review-queue", "--db", str(corpus), "--as-of", AS_OF.isoformat(),
                                    "--csv", str(tmp_path / "q.csv"), "--reason", "duplicate", "--reason", "flagged",
                                    "--search", "FLA"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "q.csv").read_text())))
    assert [r["post_id"] for r in rows] == ["flag"] and rows[0]["main_reason"] == "flagged"
    sidecar = __import__("json").loads((tmp_path / "q.csv.json").read_text())
    assert sidecar["filters"]["reason"] == ["duplicate", "flagged"] and sidecar["filters"]["search"] == "FLA"
    res = CliRunner().invoke(main, ["export", "posts", "--db", str(corpus), "--csv", str(tmp_path / "p.csv"),
                                    "--reason", "flagged"])
    assert res.exit_code == 2 and "review-queue only" in res.output


def test_reviewer_identity_prefers_the_oidc_user():
    assert queue.reviewer_name({"is_logged_in": True, "name": "Ada L", "email": "ada@x"}, "typed") == "Ada L"
    assert queue.reviewer_name({"is_logged_in": True, "email": "ada@x"}, None) == "ada@x"
    assert queue.reviewer_name({"is_logged_in": False}, "  Bo ") == "Bo"
    assert queue.reviewer_name({}, "   ") is None


def test_two_editors_in_one_dashboard_process(corpus):
    """Streamlit serves every editor from one process: reads and writes of two sessions interleave."""
    import threading

    errors, ids = [], sorted(all_rows(corpus))
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                with queue.session(corpus, read_only=True) as con:
                    queue.queue_count(con, POL, AS_OF)
            except Exception as exc:  # pragma: no cover - the failure we test against
                errors.append(exc)

    def writer(names, who):
        for pid in names:
            try:
                queue.decide(corpus, [pid], "approve", who)
            except Exception as exc:  # pragma: no cover
                errors.append(exc)

    readers = [threading.Thread(target=reader) for _ in range(2)]
    writers = [threading.Thread(target=writer, args=(ids[0::2], "ed-a")),
               threading.Thread(target=writer, args=(ids[1::2], "ed-b"))]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join(timeout=120)
    stop.set()
    for t in readers:
        t.join(timeout=30)
    assert errors == []
    with dbmod.session(corpus, read_only=True) as con:
        log = queue.decision_log(con)
    assert sorted(log["post_id"]) == ids and set(log["reviewer"]) == {"ed-a", "ed-b"}
    assert all_rows(corpus) == {}


def test_page_with_count_matches_count_and_page(corpus):
    with dbmod.session(corpus, read_only=True) as con:
        n = queue.queue_count(con, POL, AS_OF)
        for offset in (0, 4, n + 10):
            rows, total = queue.fetch_page_with_count(con, POL, {}, sort="post_id", direction="ASC",
                                                      limit=4, offset=offset, as_of=AS_OF)
            page = queue.fetch_page(con, POL, {}, sort="post_id", direction="ASC", limit=4, offset=offset,
                                    as_of=AS_OF)
            assert total == n and rows["post_id"].tolist() == page["post_id"].tolist()
        rows, total = queue.fetch_page_with_count(con, POL, {"reason": "duplicate"}, as_of=AS_OF)
        assert total == 1 and rows["post_id"].tolist() == ["dup"]


def test_extreme_view_counts_do_not_overflow_the_priority(db_file, tmp_path):
    """One post with the largest BIGINT view count: the queue, its export and the CLI still work,
    and its impact term is capped at impact_max (not wrapped round)."""
    import json
    from click.testing import CliRunner

    from copydesk import export
    from copydesk.cli import main
    from review_support import build_db, post_row

    build_db(db_file, [post_row("huge", needs_human_review=True, view_count=2**63 - 1),
                       post_row("zero", needs_human_review=True, view_count=0)])
    with dbmod.session(db_file, read_only=True) as con:
        rows = queue.fetch_page(con, POL, {}, as_of=AS_OF).set_index("post_id")
        assert rows.loc["huge", "priority"] - rows.loc["zero", "priority"] == POL.impact_max
        export.write(con, "review-queue", tmp_path / "q.csv", "csv", {}, AS_OF, POL)
    out = CliRunner().invoke(main, ["queue", "--db", str(db_file), "--json", "--as-of", AS_OF.isoformat()])
    assert out.exit_code == 0, out.output
    assert {json.loads(line)["post_id"] for line in out.output.splitlines()} == {"huge", "zero"}


def test_freshness_without_the_review_tables(db_file):
    """An old read-only database without review tables: freshness is the recorded date's (no decision
    can count as a review), for the queue and the Scores queries alike."""
    from copydesk import trends
    build_db(db_file, [post_row("x", needs_human_review=True, last_reviewed=old(40))])
    con = dbmod.connect(db_file)
    con.execute("DROP VIEW review_state")
    con.execute("DROP TABLE review_decisions")
    try:
        rows = queue.statement("review/post_freshness", DEFAULT, {}, as_of=AS_OF, con=con).df(con)
        assert rows["review_age_days"].tolist() == [40]
        assert trends.headline(con, DEFAULT, {}, AS_OF)["posts"] == 1
    finally:
        con.close()
