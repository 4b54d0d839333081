"""The Scores & trends page in headless Chromium: click a bar, see the posts behind it right under
that chart with every filter stated, download them as CSV and compare with SQL on the database."""

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


def sql_rows(db, text, params=None) -> list:
    with dbmod.session(db, read_only=True) as con:
        return con.execute(text, params or []).fetchall()


def open_scores(page, app, query: str = ""):
    page.goto(f"{app.url}/scores?as_of={AS_OF}{query}")
    wait_for_app(page)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    page.wait_for_function("document.querySelectorAll('[data-testid=stVegaLiteChart]').length >= 6",
                           timeout=60_000)
    wait_for_app(page)


@pytest.mark.slow
def test_click_a_bar_opens_its_posts_under_the_chart(tmp_path, running_app, browser_page):  # noqa: F811
    db = make_db(tmp_path / "b.duckdb", 1500, snapshots=True)
    app = running_app(db)
    page = browser_page()
    open_scores(page, app, "&stack=python")
    total = sql(db, "SELECT count(*) FROM posts WHERE list_contains(stack, 'python')")
    posts_metric = page.locator('[data-testid="stMetric"]').filter(has_text="Posts").first
    assert f"{total:,}" in posts_metric.inner_text()

    # the breakdown chart (by site): click inside its plot area, on a bar
    chart = page.locator(".st-key-scores_chart_breakdown")
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    chart.click(position={"x": box["width"] * 0.45, "y": box["height"] * 0.45})
    wait_for_app(page)
    drill = page.locator(".st-key-scores_drill_box_scores_chart_breakdown")
    drill.wait_for(timeout=30_000)

    # right under the chart: nothing between the chart's bottom and the drill-down's top
    chart_box, drill_box = chart.bounding_box(), drill.bounding_box()
    assert 0 <= drill_box["y"] - (chart_box["y"] + chart_box["height"]) < 60, (chart_box, drill_box)

    # the filter is stated: the clicked site, the sidebar's stack, the as-of date
    label = drill.locator('[data-testid="stMarkdownContainer"]').filter(
        has_text="Posts behind the selection").first.inner_text()
    site = re.search(r"site = (.+)$", label.strip()).group(1).strip()
    caption = drill.locator('[data-testid="stCaptionContainer"]').filter(has_text="showing the first").inner_text()
    expected = sql(db, "SELECT count(*) FROM posts WHERE site = ? AND list_contains(stack, 'python')", [site])
    assert expected > 0
    assert caption.startswith(f"{expected:,} posts · site = {site} · stack: python · as of {AS_OF}")

    # the table's rows are the posts SQL finds: download all of them from the drill-down
    button = drill.get_by_role("button", name=re.compile(rf"Download all {expected:,} rows"))
    with page.expect_download(timeout=60_000) as info:
        button.click()
    path = tmp_path / "posts.csv"
    info.value.save_as(path)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    ids = sorted(r[0] for r in sql_rows(db, "SELECT post_id FROM posts WHERE site = ? AND "
                                            "list_contains(stack, 'python')", [site]))
    assert sorted(r["post_id"] for r in rows) == ids
    assert {r["site"] for r in rows} == {site if not site.startswith("=") else "'" + site}

    # Clear closes it
    drill.get_by_role("button", name="Clear selection").click()
    wait_for_app(page)
    assert page.locator(".st-key-scores_drill_box_scores_chart_breakdown").count() == 0


def test_a_bookmarked_view_opens_with_its_filters(tmp_path, running_app, browser_page):  # noqa: F811
    db = make_db(tmp_path / "b.duckdb", 600, formula_posts=False)
    app = running_app(db)
    page = browser_page()
    open_scores(page, app, "&site=docs.example&stack=python")
    expected = sql(db, "SELECT count(*) FROM posts WHERE site = 'docs.example' AND list_contains(stack, 'python')")
    posts_metric = page.locator('[data-testid="stMetric"]').filter(has_text="Posts").first
    assert f"{expected:,}" in posts_metric.inner_text()
    assert "site=docs.example" in page.url and "stack=python" in page.url
    assert page.get_by_text("Filters: site: docs.example · stack: python · as of").count() == 1
