"""The Duplicates page, driven through Streamlit's AppTest against a real database file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from copydesk import db as dbmod
from copydesk import duplicates as dup

from duplicates_support import insert_posts

import duplicates_support

small_corpus = duplicates_support.small_corpus      # fixtures
corpus_db = duplicates_support.corpus_db

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "duplicates.py")


def _metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_page_runs_detection_and_moves_the_threshold(corpus_db):
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    assert any("has not run" in w.value for w in at.warning)
    at.button(key="dup_run_first").click().run()
    assert not at.exception
    assert any("clusters" in i.value for i in at.info)
    at90 = int(_metric(at, "Clusters").replace(",", ""))
    with dbmod.session(corpus_db, read_only=True) as con:
        stored = con.execute("SELECT count(DISTINCT cluster_id) FROM duplicate_clusters").fetchall()[0][0]
    assert at90 == stored > 0
    at.slider(key="dup_threshold").set_value(99.5).run()
    assert not at.exception
    assert int(_metric(at, "Clusters").replace(",", "")) < at90
    # the side-by-side view shows the selected pair as plain text
    assert len(at.code) >= 2
    assert at.download_button


def test_page_records_verdicts(corpus_db):
    with dbmod.session(corpus_db) as con:
        dup.refresh(con)
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    pair_label = at.selectbox(key="dup_pair").options[0]
    a, b = pair_label.split(" (")[0].split(" ↔ ")
    at.button(key="dup_not_duplicate").click().run()
    assert any("Enter your name" in i.value for i in at.info)
    at.text_input(key="dup_name_input").input("ann").run()
    at.button(key="dup_not_duplicate").click().run()
    assert not at.exception
    with dbmod.session(corpus_db, read_only=True) as con:
        rows = con.execute("SELECT verdict, post_id_a, post_id_b, editor FROM duplicate_verdicts").fetchall()
    assert rows == [("not_duplicate", min(a, b), max(a, b), "ann")]
    at.button(key="dup_keep_b").click().run()
    assert not at.exception
    with dbmod.session(corpus_db, read_only=True) as con:
        last = con.execute("SELECT verdict, post_id_a FROM duplicate_verdicts ORDER BY verdict_id DESC LIMIT 1").fetchall()
    assert last[0][0] == "canonical"


def test_page_shows_untrusted_content_as_text(db_file):
    body = ("intro paragraph about caching\n\n<script>alert('x')</script> **bold** [link](http://evil)\n\n"
            "closing words for the reader")
    posts = pd.DataFrame({
        "post_id": ["x-1", "x-2"], "site": ["s", "s"], "title": ["<b>Same</b>", "<b>same</b>"],
        "body": [body, body.replace("closing", "final closing")], "status": ["published"] * 2,
        "view_count": [10, 20], "score_quality": [50, 60], "score_freshness": [1, 2]})
    with dbmod.session(db_file) as con:
        dbmod.ensure_schema(con)
        insert_posts(con, posts)
        dup.refresh(con)
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    shown = " ".join(c.value for c in at.code)
    assert "<script>alert('x')</script>" in shown and "**bold**" in shown
    rendered_markdown = " ".join(m.value for m in at.markdown)
    assert "<script>" not in rendered_markdown


def test_dashboard_lists_the_duplicates_page(corpus_db):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    at.switch_page("pages/duplicates.py").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Duplicates"]
