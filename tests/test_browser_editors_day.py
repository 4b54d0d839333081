"""The editors' day in headless Chromium against `streamlit run dashboard.py`: Today and Next, two
decisions in a row, bulk apply, approve → out of the queue with a fresh review date, the reviewer
asked once (and kept over a reload), filters across pages, a duplicate verdict on the first click."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from browser_support import browser_page, running_app, select_option, wait_for_app  # noqa: F401 (fixtures)
from copydesk import db as dbmod
from copydesk import duplicates as dup
from copydesk import queue
from copydesk.freshness import Policy
from review_support import build_db, post_row
from test_duplicates_loop import body

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TODAY = dt.datetime.now(dt.timezone.utc).date()


def decisions(db) -> list:
    with dbmod.session(db, read_only=True) as con:
        log = queue.decision_log(con).sort_values("decision_id")
    log = log.astype(object).where(log.notna(), None)
    return log[["post_id", "decision", "note", "assignee"]].values.tolist()


def heading(page) -> str | None:
    """The opened post's title (the h3 under the triage divider), None when no post is open."""
    titles = [t for t in page.locator("h3").all_inner_texts() if t.startswith("title ")]
    return titles[0].strip() if titles else None


def today_line(page) -> str:
    return page.locator("h3").filter(has_text="Today:").first.inner_text().strip()


def record(page):
    page.get_by_role("button", name="Record decision").click()
    wait_for_app(page)
    page.get_by_text(re.compile(r"Recorded '.*' for \d+ post\(s\)\.")).first.wait_for()
    wait_for_app(page)                 # the rerun that shows the message may still be drawing


def test_the_editors_day(db_file, running_app, browser_page):  # noqa: F811
    build_db(db_file, [post_row(f"p{i}", needs_human_review=True, view_count=10 ** i) for i in range(1, 6)]
             + [post_row("calm")])
    app = running_app(db_file)
    page = browser_page()
    page.goto(app.url + "/review_queue")
    wait_for_app(page)
    name = page.get_by_label("Your name (recorded with every decision)")
    name.fill("Robin")
    name.press("Enter")
    wait_for_app(page)
    assert today_line(page) == "Today: 0 decided · 5 left"

    # Next opens the highest priority post (most views); a decision with a note and an assignee
    page.get_by_role("button", name="Next", exact=True).click()
    wait_for_app(page)
    assert heading(page) == "title p5"
    select_option(page, "Decision", "Needs edits")
    page.get_by_label("Note").fill("fix the intro")
    page.get_by_label("Assignee (optional)").fill("kim")
    record(page)
    assert heading(page) is None                                   # the decided post closed
    assert page.get_by_label("Note").input_value() == ""           # the form is empty again
    assert page.get_by_label("Assignee (optional)").input_value() == ""
    assert today_line(page) == "Today: 1 decided · 4 left"

    # the second decision in a row carries nothing of the first
    page.get_by_role("button", name="Next", exact=True).click()
    wait_for_app(page)
    assert heading(page) == "title p4"
    record(page)
    assert decisions(db_file) == [["p5", "needs_edits", "fix the intro", "kim"], ["p4", "approve", None, None]]

    # bulk: picking rows switches "Apply to" to the selection
    select_option(page, "Bulk selection (this page)", "p1")
    select_option(page, "Bulk selection (this page)", "p2")
    page.keyboard.press("Escape")
    wait_for_app(page)
    assert page.get_by_role("radio", name="bulk selection").is_checked()
    record(page)
    assert sorted(p for p, *_ in decisions(db_file)[2:]) == ["p1", "p2"]
    assert today_line(page) == "Today: 4 decided · 1 left"

    # approved posts left the queue and count as reviewed today
    with dbmod.session(db_file, read_only=True) as con:
        assert queue.queue_count(con, Policy(), TODAY) == 1
        row = queue.fetch_page(con, Policy(), {"post_ids": ["p4"], "state": "all"}, as_of=TODAY).iloc[0]
    assert row["effective_last_reviewed"].date() == TODAY and row["band"] == "fresh"

    # the name is asked once: a reload keeps it (cookie), another page knows it
    page.reload()
    page.get_by_label("Search post id or title").wait_for()
    wait_for_app(page)
    page.get_by_text("Reviewing as Robin").first.wait_for()
    assert page.get_by_label("Your name (recorded with every decision)").count() == 0


def nav(page, title: str, heading: str):
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=heading, exact=True).wait_for()   # the new page has started drawing
    wait_for_app(page)


def eventually(read, expected, timeout: float = 15.0):
    """``read()`` once it equals ``expected`` (the page may still be drawing on a busy machine); else
    its last value, for the assertion to show."""
    import time
    deadline = time.monotonic() + timeout
    value = read()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.25)
        value = read()
    return value


def chosen_sites(page) -> list[str]:
    box = page.get_by_test_id("stSidebar").locator('[data-testid="stMultiSelect"]').filter(
        has=page.get_by_text("Site", exact=True)).first
    tags = box.locator('.react-aria-ComboBox [data-testid="stMultiSelectTagsContainer"] [data-tag]')
    return [t.get_attribute("aria-label") for t in tags.all()]


def test_filters_survive_every_navigation_path(db_file, running_app, browser_page):  # noqa: F811
    build_db(db_file, [post_row("a1", site="alphanode", needs_human_review=True),
                       post_row("b1", site="betanode", needs_human_review=True),
                       post_row("b2", site="betanode", needs_human_review=True, title="second b")])
    app = running_app(db_file)
    page = browser_page()
    page.goto(app.url + "/review_queue?site=betanode&q=second")
    wait_for_app(page)
    assert eventually(lambda: chosen_sites(page), ["betanode"]) == ["betanode"]
    assert eventually(lambda: page.get_by_label("Search post id or title").input_value(), "second") == "second"
    for title, heading in (("Scores & trends", "Scores & trends"), ("Overview", "Overview"),
                           ("Duplicates", "Duplicates"), ("Review queue", "Review queue")):
        nav(page, title, heading)
        page.wait_for_url(re.compile(r"[?&]site=betanode"), timeout=15_000)
        if title not in ("Overview", "Duplicates"):            # the pages that draw the sidebar filters
            assert eventually(lambda: chosen_sites(page), ["betanode"]) == ["betanode"], title
    # back on the queue: its own search is there again, and in the URL
    assert eventually(lambda: page.get_by_label("Search post id or title").input_value(), "second") == "second"
    page.wait_for_url(re.compile(r"[?&]q=second"), timeout=15_000)
    page.reload()
    page.get_by_label("Search post id or title").wait_for()     # the new session has drawn the page
    wait_for_app(page)
    assert eventually(lambda: chosen_sites(page), ["betanode"]) == ["betanode"]
    assert eventually(lambda: page.get_by_label("Search post id or title").input_value(), "second") == "second"


def test_a_duplicate_verdict_on_the_first_click_after_typing(db_file, running_app, browser_page):  # noqa: F811
    build_db(db_file, [post_row("a1", body=body(0), view_count=900), post_row("a2", body=body(0))])
    with dbmod.session(db_file) as con:
        dup.refresh(con)
    app = running_app(db_file)
    page = browser_page()
    page.goto(app.url + "/duplicates")
    wait_for_app(page)
    page.get_by_label("Your name (recorded with the verdict)").fill("ann")      # no Enter
    page.get_by_role("button", name="Keep a1").click()
    wait_for_app(page)
    page.get_by_text("Recorded: keep a1 by ann").first.wait_for()
    with dbmod.session(db_file, read_only=True) as con:
        assert queue.decision_log(con)[["post_id", "decision", "merge_into"]].values.tolist() == [
            ["a2", "merge", "a1"]]
        assert queue.queue_count(con, Policy(), TODAY, {"reason": "duplicate"}) == 0


def test_a_zero_change_metric_has_no_arrow(tmp_path, running_app, browser_page):  # noqa: F811
    from copydesk import trends
    from trends_support import AS_OF, make_db
    path = make_db(tmp_path / "z.duckdb", 300, formula_posts=False)
    policy = trends.load_policy()
    with dbmod.session(path) as con:
        trends.record_batch_snapshot(con, 1, AS_OF, policy)
        trends.record_batch_snapshot(con, 2, AS_OF, policy)
    app = running_app(path)
    page = browser_page()
    page.goto(f"{app.url}/scores?as_of={AS_OF}")
    wait_for_app(page)
    posts = page.locator('[data-testid="stMetric"]').filter(has_text="Posts").first
    posts.wait_for()
    delta = posts.get_by_test_id("stMetricDelta")
    assert delta.inner_text().strip() == "unchanged"
    assert delta.locator("svg").count() == 0 and posts.locator('[data-testid^="stMetricDeltaIcon"]').count() == 0
