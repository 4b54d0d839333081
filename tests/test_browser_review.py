"""The review queue in a real browser: headless Chromium (Playwright) against `streamlit run dashboard.py`."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from browser_support import browser_page, running_app, select_option, wait_for_app  # noqa: F401 (fixtures)
from copydesk import db as dbmod
from copydesk import queue
from copydesk.importer import import_paths
from review_support import write_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]
HOSTILE = "<script>window.__pwned = 1; alert('x')</script> **bold** <img src=x onerror=\"window.__pwned=2\">"


def text_el(page, text: str, exact: bool = True):
    """An st.text element (plain text) holding ``text``."""
    return page.get_by_test_id("stText").filter(
        has_text=re.compile("^" + re.escape(text) + "$" if exact else re.escape(text))).first


def metric(page, expect: int | None = None, timeout: float = 20.0) -> int:
    """The first metric's value; with ``expect``, read again (a busy machine draws late) until it
    is that value or ``timeout`` seconds have passed, and returned as read last."""
    deadline = time.monotonic() + timeout
    while True:
        text = page.locator('[data-testid="stMetricValue"]').first.inner_text()
        value = int(text.replace(",", ""))
        if expect is None or value == expect or time.monotonic() > deadline:
            return value
        page.wait_for_timeout(250)


def test_triage_in_the_browser(tmp_path, db_file, running_app, browser_page):  # noqa: F811
    pages = tmp_path / "pages"
    write_page(pages, "001_a.txt", "alphanode-000001", flagged=True, title="flagged one")
    write_page(pages, "002_a.txt", "alphanode-000002", flagged=True, title="flagged two")
    write_page(pages, "003_a.txt", "alphanode-000003", extra=HOSTILE, title="hostile post")
    import_paths([pages], db_file, workers=1)

    app = running_app(db_file)
    page = browser_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(app.url)                                       # as a user does: open the app, use the navigation
    wait_for_app(page)
    page.get_by_test_id("stSidebarNav").get_by_text("Review queue", exact=True).click()
    wait_for_app(page)
    page.get_by_role("heading", name="Review queue").wait_for()
    assert metric(page, 3) == 3

    # filter → open → decide
    select_option(page, "Reason", "flagged: needs human review")
    page.keyboard.press("Escape")
    wait_for_app(page)
    assert metric(page, 2) == 2
    select_option(page, "Open post", "alphanode-000001")
    page.get_by_role("heading", name="flagged one").wait_for()
    text_el(page, "• flagged: needs human review").wait_for()
    assert page.get_by_role("button", name="Record decision").is_disabled()     # no decision without a name
    name = page.get_by_label("Your name (recorded with every decision)")
    name.fill("Robin")
    name.press("Enter")
    wait_for_app(page)
    text_el(page, "Reviewing as Robin").wait_for()
    page.get_by_role("button", name="Record decision").click()
    wait_for_app(page)
    page.get_by_text("Recorded 'Approve' for 1 post(s).").wait_for()
    assert metric(page, 1) == 1
    with dbmod.session(db_file, read_only=True) as con:
        assert queue.decision_log(con)[["post_id", "reviewer"]].values.tolist() == [["alphanode-000001", "Robin"]]

    # the content changes (re-import while the page is open) → it returns on the next rerun
    write_page(pages, "001_a.txt", "alphanode-000001", flagged=True, title="flagged one", extra="fixed typo.")
    cli = subprocess.run([sys.executable, "-m", "copydesk", "import", str(pages), "--db", str(db_file)],
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0 and "1 updated" in cli.stdout, cli.stdout + cli.stderr
    select_option(page, "Rows", "100")
    assert metric(page, 2) == 2

    # a second editor, in another browser session of the same server, decides too
    other = browser_page()
    other.goto(app.url + "/review_queue")
    wait_for_app(other)
    select_option(other, "Open post", "alphanode-000002")
    field = other.get_by_label("Your name (recorded with every decision)")
    field.fill("Kim")
    field.press("Enter")
    wait_for_app(other)
    other.get_by_role("button", name="Record decision").click()
    wait_for_app(other)
    other.get_by_text("Recorded 'Approve' for 1 post(s).").wait_for()
    with dbmod.session(db_file, read_only=True) as con:
        assert sorted(queue.decision_log(con)[["post_id", "reviewer"]].values.tolist()) == [
            ["alphanode-000001", "Robin"], ["alphanode-000002", "Kim"]]
    select_option(page, "Rows", "50")
    assert metric(page, 1) == 1          # the first editor sees the second one's decision

    # untrusted content renders as text
    page.locator('[data-testid="stMultiSelect"]').filter(has=page.get_by_text("Reason", exact=True)) \
        .get_by_role("button", name=re.compile("Clear all", re.I)).first.click()
    wait_for_app(page)
    select_option(page, "Open post", "alphanode-000003")
    page.get_by_role("heading", name="hostile post").wait_for()
    text_el(page, "<script>window.__pwned = 1;", exact=False).wait_for()
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("strong", has_text="bold").count() == 0
    assert dialogs == []
