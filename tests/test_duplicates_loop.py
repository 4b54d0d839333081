"""Duplicate verdicts close the loop with the review queue (AppTest on the real dashboard)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from copydesk import db as dbmod
from copydesk import duplicates as dup
from copydesk import queue
from copydesk.freshness import Policy
from review_support import AS_OF, build_db, open_page, post_row

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("editors keep the archive useful by checking every claim against the current release notes and "
         "by removing steps that no longer work on a fresh machine while the examples stay short and the "
         "commands are copied from a terminal that really ran them before the page went out").split()


def body(group: int) -> str:
    """A text of its own per group (different words, not only a different order)."""
    import random
    rnd = random.Random(group)
    vocab = [w + suffix for w in WORDS for suffix in ("", "s", "ed", "ing")]
    return " ".join(rnd.choice(vocab) for _ in range(120)) + f" group {group} ends here."


@pytest.fixture
def loop_db(db_file, monkeypatch):
    """Cluster 'a' (three copies), cluster 'b' (two copies), one post alone; COPYDESK_DB points at it."""
    monkeypatch.setenv("COPYDESK_DB", str(db_file))
    build_db(db_file, [post_row("a1", body=body(0), view_count=900), post_row("a2", body=body(0)),
                       post_row("a3", body=body(0)), post_row("b1", body=body(7), view_count=900),
                       post_row("b2", body=body(7)), post_row("c", body=body(15))])
    with dbmod.session(db_file) as con:
        dup.refresh(con)
    return db_file


def open_rows(db, reason=None) -> set:
    with dbmod.session(db, read_only=True) as con:
        rows = queue.fetch_page(con, Policy(), {"reason": reason or []}, as_of=AS_OF, limit=100)
    return set(rows["post_id"])


def dup_page() -> AppTest:
    return open_page("pages/duplicates.py", timeout=90)


def pick_cluster(at, member: str) -> None:
    for i in range(len(at.selectbox(key="dup_cluster").options)):
        at.selectbox(key="dup_cluster").select_index(i)
        at.run()
        if member in at.selectbox(key="dup_pair").value:
            return
    raise AssertionError(f"no cluster holds {member}")


def verdicts(db) -> list:
    with dbmod.session(db, read_only=True) as con:
        return con.execute("SELECT verdict, post_id_a, post_id_b, editor FROM duplicate_verdicts").fetchall()


def test_the_fixture_has_two_clusters_in_the_queue(loop_db):
    assert open_rows(loop_db, "duplicate") == {"a2", "a3", "b2"}


def test_a_verdict_works_on_the_first_click_after_typing_a_name(loop_db):
    at = dup_page()
    at.text_input(key="dup_name_input").input("ann")             # typed, no Enter: same run as the click
    at.button(key="dup_not_duplicate").click()
    at.run()
    assert not at.exception
    assert [v[0] for v in verdicts(loop_db)] == ["not_duplicate"] and verdicts(loop_db)[0][3] == "ann"


def test_the_pair_picker_follows_the_cluster(loop_db):
    at = dup_page()
    first = at.selectbox(key="dup_pair").value
    box = at.selectbox(key="dup_cluster")
    assert box.index == 0 and len(box.options) == 2
    box.select_index(1)
    at.run()
    now = at.selectbox(key="dup_pair")
    assert now.value != first and now.value in now.options
    group = "b" if first.startswith("a") else "a"
    assert now.value.startswith(group) and all(o.startswith(group) for o in now.options)


def test_keep_a_merges_the_other_posts_out_of_the_queue(loop_db):
    at = dup_page()
    pick_cluster(at, "a2")
    at.text_input(key="dup_name_input").input("ann")
    a = at.selectbox(key="dup_pair").value.split(" ↔ ")[0]
    at.button(key="dup_keep_a").click()
    at.run()
    with dbmod.session(loop_db, read_only=True) as con:
        log = queue.decision_log(con)
    merged = log[log["decision"] == "merge"]
    assert sorted(merged["post_id"]) == sorted({"a1", "a2", "a3"} - {a}) and set(merged["merge_into"]) == {a}
    assert open_rows(loop_db, "duplicate") == {"b2"}          # the cluster's queue items are settled
    assert not ({"a1", "a2", "a3"} - {a}) & open_rows(loop_db)


def test_not_duplicates_drops_the_near_duplicate_reason_of_the_pair(loop_db):
    at = dup_page()
    pick_cluster(at, "b2")
    at.text_input(key="dup_name_input").input("ann")
    at.button(key="dup_not_duplicate").click()
    at.run()
    assert verdicts(loop_db) == [("not_duplicate", "b1", "b2", "ann")]
    assert open_rows(loop_db, "duplicate") == {"a2", "a3"}
    assert "b2" not in open_rows(loop_db)


def page_links(at) -> list:
    return [el for el in at.get("page_link")]


def test_links_both_ways_between_a_queued_duplicate_and_its_cluster(loop_db):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.run()
    at.switch_page("pages/review_queue.py")
    at.run()
    assert at.selectbox(key="review_open").value is None
    at.query_params["open"] = "b2"                     # a link with ?open=b2 in the same session
    at.switch_page("pages/review_queue.py")
    at.run()
    assert at.selectbox(key="review_open").value == "b2"
    links = [el.proto for el in page_links(at)]
    assert any(p.page.endswith("duplicates") or "duplicates" in p.page for p in links), links
    to_dups = next(p for p in links if "duplicates" in p.page)
    assert "post=b2" in to_dups.query_string
    # the Duplicates page opened with ?post=b2 shows b2's cluster, with links back
    at.query_params.clear()
    at.query_params["post"] = "b2"
    at.switch_page("pages/duplicates.py")
    at.run()
    assert "b2" in at.selectbox(key="dup_pair").value
    back = [el.proto for el in page_links(at) if "review_queue" in el.proto.page]
    assert {p.query_string for p in back} == {"open=b1", "open=b2"}


def test_the_name_given_on_the_review_page_holds_on_the_duplicates_page(loop_db):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.run()
    at.switch_page("pages/review_queue.py")
    at.run()
    at.text_input(key="review_name_input").input("Robin")
    at.run()
    at.switch_page("pages/duplicates.py")
    at.run()
    assert "Reviewing as Robin" in [t.value for t in at.text]
    assert not [w for w in at.text_input if w.key == "dup_name_input"]
    at.button(key="dup_not_duplicate").click()
    at.run()
    assert [v[3] for v in verdicts(loop_db)] == ["Robin"]
