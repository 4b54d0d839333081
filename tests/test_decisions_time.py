"""Decisions are ordered by when they were recorded, not by the deciding process's clock, and
stored in UTC: real `copydesk decide` processes in different time zones."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import duckdb

from review_support import build_db, post_row


def decide(db, tz: str, *args: str) -> str:
    """Record a decision from a process in time zone ``tz``; returns the post's state after it."""
    env = {**os.environ, "TZ": tz}
    subprocess.run([sys.executable, "-m", "copydesk", "decide", "p1", "--db", str(db), "--reviewer", "dana", *args],
                   check=True, env=env, capture_output=True, text=True)
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT decision FROM review_state WHERE post_id = 'p1'").fetchall()[0][0]
    finally:
        con.close()


def test_a_reopen_from_los_angeles_after_an_approve_in_utc_wins(db_file):
    build_db(db_file, [post_row("p1", needs_human_review=True)])
    before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    assert decide(db_file, "UTC", "--decision", "approve") == "approve"
    assert decide(db_file, "America/Los_Angeles", "--decision", "reopen") == "reopen"   # local clock hours behind
    assert decide(db_file, "Pacific/Kiritimati", "--decision", "needs_edits") == "needs_edits"   # UTC+14
    after = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(seconds=1)
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        log = con.execute("SELECT decision, decided_at FROM review_decisions ORDER BY decision_id").fetchall()
    finally:
        con.close()
    assert [d for d, _ in log] == ["approve", "reopen", "needs_edits"]
    assert all(before <= at <= after for _, at in log), log          # every one stored in UTC


def test_the_latest_decision_is_the_last_recorded_even_when_its_clock_is_earlier(db_file):
    from copydesk import db as dbmod
    from copydesk import queue
    build_db(db_file, [post_row("p1", needs_human_review=True)])
    with dbmod.session(db_file) as con:
        queue.record_decisions(con, "p1", "approve", "dana", decided_at=dt.datetime(2025, 11, 2, 1, 30))
        # the DST fall-back hour repeats: a later decision carries an earlier wall-clock time
        queue.record_decisions(con, "p1", "reopen", "dana",
                               decided_at=dt.datetime(2025, 11, 2, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=-8))))
        assert con.execute("SELECT decision FROM review_state").fetchall() == [("reopen",)]
        # an aware time is stored converted to UTC
        assert con.execute("SELECT max(decided_at) FROM review_decisions").fetchall() == [(dt.datetime(2025, 11, 2, 9, 10),)]
