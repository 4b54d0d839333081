"""Rules the README states, pinned with literal values worked out by hand, so that a one-line
change of the product turns a test red (issue 12: mutations the suite used to miss).

- the priority's staleness and impact terms (``2.0 *`` in ``review/queue_keys``, log10 of views);
- each per-score watch threshold compared with its own score, strictly (``<``);
- every shared URL parameter, both ways (URL -> filter, filter -> URL), and the figures filtered;
- the Duplicates page's "Keep B" records B as the post to keep.

(The zip ratio rule and the formula rule of CSV downloads: tests/test_hardening.py and
tests/test_csv_writers.py.)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from copydesk import db as dbmod
from copydesk import duplicates as dup
from copydesk import queue
from copydesk.freshness import Policy
from duplicates_support import insert_posts as insert_dup_posts
from review_support import AS_OF, build_db, post_row

ROOT = Path(__file__).resolve().parent.parent
POL = Policy()          # stale_after_days 180, staleness_max 20, impact 4 per decade (max 24), flagged 40


def days(n: int) -> dt.date:
    return AS_OF - dt.timedelta(days=n)


@pytest.fixture
def queue_db(db_file):
    high = {"score_quality": 95, "score_freshness": None, "score_depth": 95, "score_clarity": 95}
    rows = [
        # flagged (40) + staleness 20 x min(1, age / 360) + impact 4 x log10(1 + views)
        post_row("age90", needs_human_review=True, view_count=0, last_reviewed=days(90), **high),
        post_row("age180", needs_human_review=True, view_count=0, last_reviewed=days(180), **high),
        post_row("age720", needs_human_review=True, view_count=0, last_reviewed=days(720), **high),
        post_row("never", needs_human_review=True, view_count=0, last_reviewed=None, **high),
        post_row("views999", needs_human_review=True, view_count=999, last_reviewed=days(90), **high),
        post_row("views10m", needs_human_review=True, view_count=10**7, last_reviewed=days(90), **high),
    ]
    # flagged (in the queue: a low score is a signal), one score just under its own watch threshold
    # (quality 70, depth 40, clarity 30), the others high
    low = {"needs_human_review": True, "view_count": 0, "last_reviewed": days(90)}
    rows += [post_row("q65", **low, **{**high, "score_quality": 65}),
             post_row("d35", **low, **{**high, "score_depth": 35}),
             post_row("c25", **low, **{**high, "score_clarity": 25}),
             post_row("q70", **low, **{**high, "score_quality": 70}),
             post_row("q65d75", **low, **{**high, "score_quality": 65, "score_depth": 75})]
    return build_db(db_file, rows)


def page(db, policy: Policy, **filters) -> pd.DataFrame:
    con = duckdb.connect(str(db))
    try:
        return queue.fetch_page(con, policy, filters, as_of=AS_OF, limit=100).set_index("post_id")
    finally:
        con.close()


def test_priority_terms_literal(queue_db):
    got = page(queue_db, POL)["priority"].to_dict()
    assert got["age90"] == 45          # 40 + 20 x 90/360
    assert got["age180"] == 50         # 40 + 20 x 180/360
    assert got["age720"] == 60         # 40 + 20 (capped at 1)
    assert got["never"] == 60          # 40 + staleness_max
    assert got["views999"] == 57       # 40 + 5 + 4 x log10(1000)
    assert got["views10m"] == 69       # 40 + 5 + min(24, 4 x 7.0)


def test_each_watch_threshold_is_its_own_score(queue_db):
    pol = dataclasses.replace(POL, score_watch_by_metric={"quality": 70, "depth": 40, "clarity": 30})
    rows = page(queue_db, pol)
    reasons = {pid: [r for r in rs if not r.startswith("flagged")] for pid, rs in rows["reasons"].items()}
    assert reasons["q65"] == ["quality 65 < 70"]
    assert reasons["d35"] == ["depth 35 < 40"]
    assert reasons["c25"] == ["clarity 25 < 30"]
    assert reasons["q65d75"] == ["quality 65 < 70"]       # depth 75 is not under any threshold used wrongly
    assert reasons["q70"] == []                            # strictly under: 70 is not < 70
    prio = rows["priority"].to_dict()
    assert (prio["q65"], prio["d35"], prio["c25"], prio["q65d75"]) == (60, 60, 60, 60)   # 40 + 15 + 5
    assert prio["q70"] == 45
    con = duckdb.connect(str(queue_db))
    try:
        low_score = queue.fetch_page(con, pol, {"reason": ["low_score"]}, as_of=AS_OF, limit=100)
    finally:
        con.close()
    assert sorted(low_score["post_id"]) == ["c25", "d35", "q65", "q65d75"]


# --------------------------------------------------------------------------- URL parameters

@pytest.fixture
def url_db(db_file, monkeypatch):
    rows = [post_row(f"a{i}", site="alpha.example", needs_human_review=True, stack=["python"],
                     last_reviewed=days(10 + i)) for i in range(3)]
    rows += [post_row(f"b{i}", site="beta.example", needs_human_review=True, stack=["go"], status="drafted",
                      last_reviewed=days(400 + i)) for i in range(5)]
    build_db(db_file, rows)
    monkeypatch.setenv("COPYDESK_DB", str(db_file))
    return db_file


def review_app() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "review_queue.py"), default_timeout=60)


def posts_in_view(at) -> str:
    return next(m.value for m in at.metric if m.label == "Posts in this view")


URL_CASES = [  # (URL parameter, URL value, widget key, widget value, posts in the view)
    ("site", "beta.example", "sidebar_site", ["beta.example"], "5"),
    ("stack", "python", "sidebar_stack", ["python"], "3"),
    ("status", "drafted", "sidebar_status", ["drafted"], "5"),
    ("reviewed_from", days(100).isoformat(), "sidebar_reviewed_from", days(100), "3"),
    ("reviewed_to", days(100).isoformat(), "sidebar_reviewed_to", days(100), "5"),
    ("as_of", "2025-01-01", "sidebar_as_of", dt.date(2025, 1, 1), None),
]


@pytest.mark.parametrize("param,value,key,widget,count", URL_CASES, ids=[c[0] for c in URL_CASES])
def test_url_parameter_sets_the_filter(url_db, param, value, key, widget, count):
    at = review_app()
    at.query_params[param] = value
    at.run()
    assert not at.exception
    assert at.session_state[key] == widget
    if count is not None:
        assert posts_in_view(at) == count
    else:
        assert "as of 2025-01-01" in next(m.help for m in at.metric if m.label == "Posts in this view")


@pytest.mark.parametrize("param,value,key,widget,count", URL_CASES, ids=[c[0] for c in URL_CASES])
def test_filter_is_written_to_the_url(url_db, param, value, key, widget, count):
    at = review_app().run()
    assert param not in at.query_params or param == "as_of"
    element = next(w for w in [*at.sidebar.multiselect, *at.sidebar.date_input] if w.key == key)
    (element.set_value(widget) if isinstance(widget, list) else element.set_value(widget)).run()
    assert not at.exception
    got = at.query_params[param]
    assert (got if isinstance(got, str) else got[0]) == value
    if count is not None:
        assert posts_in_view(at) == count


# --------------------------------------------------------------------------- Keep A / Keep B

@pytest.mark.parametrize("button,keeps", [("dup_keep_a", 0), ("dup_keep_b", 1)])
def test_keep_a_and_keep_b_record_their_own_post(db_file, monkeypatch, button, keeps):
    body = ("when a project grows, background jobs stop being a small cleanup task for the team. "
            "cache rules should be written for people who will debug them later. ") * 3
    posts = pd.DataFrame({"post_id": ["p-1", "p-2"], "site": ["s", "s"], "title": ["Same", "same"],
                          "body": [body, body + " really"], "status": ["published"] * 2,
                          "view_count": [10, 20], "score_quality": [50, 60], "score_freshness": [1, 2]})
    with dbmod.session(db_file) as con:
        dbmod.ensure_schema(con)
        insert_dup_posts(con, posts)
        dup.refresh(con)
    monkeypatch.setenv("COPYDESK_DB", str(db_file))
    at = AppTest.from_file(str(ROOT / "pages" / "duplicates.py"), default_timeout=60).run()
    pair = at.selectbox(key="dup_pair").options[0].split(" (")[0].split(" ↔ ")
    at.text_input(key="dup_name_input").input("ann").run()
    at.button(key=button).click().run()
    assert not at.exception
    with dbmod.session(db_file, read_only=True) as con:
        kept = con.execute("SELECT post_id_a, post_id_b FROM duplicate_verdicts WHERE verdict = 'canonical'").fetchall()
    assert kept == [(pair[keeps], pair[1 - keeps])]
