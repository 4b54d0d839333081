"""The Duplicates page in a real browser: headless Chromium (Playwright) against `streamlit run dashboard.py`."""

from __future__ import annotations

import pandas as pd
import pytest

import browser_support
from browser_support import wait_for_app
from copydesk import db as dbmod
from copydesk import duplicates as dup
from duplicates_support import insert_posts

running_app = browser_support.running_app          # fixtures
browser_page = browser_support.browser_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]
HOSTILE = "<script>window.__pwned = 1; alert('x')</script> **bold** <img src=x onerror=\"window.__pwned=2\">"


def _posts() -> pd.DataFrame:
    intro = "when a project grows, background jobs stop being a small cleanup task for the team."
    middle = ("cache rules should be written for people who will debug them later. " + HOSTILE +
              " database changes need extra care and a tested rollback plan before any deploy.")
    closing = "keep the final commands, metrics and assumptions close to the article."
    body_a = f"{intro}\n\nproduction checks\n\n{middle}\n\nfinal notes\n\n{closing}"
    body_b = f"{intro}\n\nfinal notes\n\n{closing}\n\nproduction checks\n\n{middle} really"
    other = "a different article entirely about rate limiting public endpoints with nginx and redis."
    return pd.DataFrame({
        "post_id": ["site-000001", "site-000002", "site-000003"], "site": ["site"] * 3,
        "title": ["Background jobs on a VPS", "background jobs on a vps", "Rate limiting"],
        "body": [body_a, body_b, other], "status": ["published"] * 3, "view_count": [100, 900, 5],
        "score_quality": [70, 90, 50], "score_freshness": [10, 20, 30]})


def test_duplicates_page_in_the_browser(db_file, running_app, browser_page):
    with dbmod.session(db_file) as con:
        dbmod.ensure_schema(con)
        insert_posts(con, _posts())
        dup.refresh(con)
    app = running_app(db_file)
    page = browser_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(app.url)
    wait_for_app(page)
    page.get_by_test_id("stSidebarNav").get_by_text("Duplicates", exact=True).click()
    wait_for_app(page)
    page.get_by_role("heading", name="Duplicates").wait_for()
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text() == "1"
    # the hostile text is shown as text inside the code blocks, never executed or rendered
    code = page.locator('[data-testid="stCode"]').first
    code.wait_for()
    assert "<script>window.__pwned = 1;" in code.inner_text()
    assert page.evaluate("window.__pwned") is None and not dialogs
    # record a verdict as a named editor
    name = page.get_by_label("Your name")
    name.fill("Robin")
    name.press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Not duplicates").click()
    wait_for_app(page)
    page.get_by_text("Recorded: site-000001 and site-000002 are not duplicates, by Robin.").wait_for()
    with dbmod.session(db_file, read_only=True) as con:
        assert con.execute("SELECT verdict, post_id_a, post_id_b, editor FROM duplicate_verdicts").fetchall() == [
            ("not_duplicate", "site-000001", "site-000002", "Robin")]
    page.get_by_text("No duplicate clusters at this threshold.").wait_for()
