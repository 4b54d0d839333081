"""The Scores & trends page in headless Chromium: read the trends, click a bar, get its posts,
download them as CSV and compare the row count with SQL on the database."""

from __future__ import annotations

import csv
import re

import pytest

from copydesk import db as dbmod
from browser_support import browser_page, running_app, wait_for_app  # noqa: F401  (fixtures)
from trends_support import AS_OF, make_db

pytestmark = pytest.mark.browser


def sql(db, text, params=None):
    with dbmod.session(db, read_only=True) as con:      # retries while the app holds the file
        return con.execute(text, params or []).fetchone()[0]


def open_scores(page, app, query: str = ""):
    page.goto(f"{app.url}/scores?as_of={AS_OF}{query}")
    wait_for_app(page)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    page.wait_for_function("document.querySelectorAll('[data-testid=stVegaLiteChart]').length >= 4",
                           timeout=60_000)
    wait_for_app(page)


def posts_caption(page) -> str:
    return page.locator('[data-testid="stCaptionContainer"]').filter(has_text="showing the first").inner_text()


@pytest.mark.slow
def test_click_a_bar_then_download_its_posts(tmp_path, running_app, browser_page):  # noqa: F811
    db = make_db(tmp_path / "b.duckdb", 1500, snapshots=True)
    app = running_app(db)
    page = browser_page()
    open_scores(page, app)
    total = sql(db, "SELECT count(*) FROM posts")
    posts_metric = page.locator('[data-testid="stMetric"]').filter(has_text="Posts").first
    assert f"{total:,}" in posts_metric.inner_text()

    # the breakdown chart (by site): click inside its plot area, on a bar
    chart = page.locator('[data-testid="stVegaLiteChart"]').nth(1)
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    chart.click(position={"x": box["width"] * 0.45, "y": box["height"] * 0.45})
    wait_for_app(page)
    page.get_by_text("Posts behind the selection").wait_for(timeout=30_000)
    label = page.locator('[data-testid="stMarkdownContainer"]').filter(
        has_text="Posts behind the selection").first.inner_text()
    site = re.search(r"site = (.+)$", label.strip()).group(1).strip()
    expected = sql(db, "SELECT count(*) FROM posts WHERE site = ?", [site])
    assert expected > 0
    assert posts_caption(page).startswith(f"{expected:,} posts")

    # download ALL rows of the selection (more than the 200 shown)
    button = page.get_by_role("button", name=re.compile(rf"Download all {expected:,} rows")).last
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=60_000) as info:
        button.click()
    path = tmp_path / "posts.csv"
    info.value.save_as(path)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == expected
    assert {r["site"] for r in rows} == {site if not site.startswith("=") else "'" + site}


def test_a_bookmarked_view_opens_with_its_filters(tmp_path, running_app, browser_page):  # noqa: F811
    db = make_db(tmp_path / "b.duckdb", 600, formula_posts=False)
    app = running_app(db)
    page = browser_page()
    open_scores(page, app, "&site=docs.example&stack=python")
    expected = sql(db, "SELECT count(*) FROM posts WHERE site = 'docs.example' AND list_contains(stack, 'python')")
    posts_metric = page.locator('[data-testid="stMetric"]').filter(has_text="Posts").first
    assert f"{expected:,}" in posts_metric.inner_text()
    assert "site=docs.example" in page.url and "stack=python" in page.url
