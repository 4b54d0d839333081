"""The Scores & trends page in the real Streamlit app (AppTest) over a real DuckDB file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from copydesk import trends
from copydesk.app.common import md_escape
from trends_support import AS_OF, make_db

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "scores.py")


@pytest.fixture(scope="module")
def page_db(tmp_path_factory):
    return make_db(tmp_path_factory.mktemp("page") / "s.duckdb", 1500, snapshots=True)


@pytest.fixture
def app(page_db, monkeypatch):
    monkeypatch.setenv("COPYDESK_DB", str(page_db))
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.query_params["as_of"] = AS_OF.isoformat()
    return at


def sql(page_db, text: str):
    con = duckdb.connect(str(page_db), read_only=True)
    try:
        return con.execute(text).fetchone()[0]
    finally:
        con.close()


def metric(at, label):
    (m,) = [m for m in at.metric if m.label == label]
    return m


def posts_caption(at) -> str:
    (c,) = [c.value for c in at.caption if " posts (" in c.value and "showing the first" in c.value]
    return c


def test_page_renders_headline_figures_with_change_since_previous_batch(app, page_db):
    app.run()
    assert not app.exception
    total = sql(page_db, "SELECT count(*) FROM posts")
    assert metric(app, "Posts").value == f"{total:,}"
    assert metric(app, "Posts").delta == "+4"                 # batch 2 added the four formula posts
    reviewed = sql(page_db, f"SELECT count(*) FROM posts WHERE last_reviewed >= DATE '{AS_OF}' - 180")
    stale = 1 - reviewed / total
    assert metric(app, "Stale share").value == f"{stale:.1%}"
    median = sql(page_db, "SELECT median(score_quality) FROM posts")
    assert metric(app, "Median quality").value == f"{median:.0f}"
    assert any("batch 2 vs. batch 1" in c.value for c in app.caption)
    assert app.sidebar.date_input(key="sidebar_as_of").value == AS_OF


def test_sidebar_filter_narrows_every_figure_and_goes_to_the_url(app, page_db):
    app.run()
    app.sidebar.multiselect(key="sidebar_site").select("docs.example").run()
    assert not app.exception
    expected = sql(page_db, "SELECT count(*) FROM posts WHERE site = 'docs.example'")
    assert metric(app, "Posts").value == f"{expected:,}"
    assert not metric(app, "Posts").delta                     # deltas are corpus-wide only
    assert app.query_params["site"] == "docs.example"
    assert f"{expected:,} posts ({md_escape('site: docs.example')})" in posts_caption(app)
    app.sidebar.multiselect(key="sidebar_site").select("blog.example").run()
    assert app.query_params["site"] == ["docs.example", "blog.example"]
    app.sidebar.multiselect(key="sidebar_site").unselect("blog.example").run()
    app.sidebar.date_input(key="sidebar_reviewed_from").set_value(dt.date(2024, 1, 1)).run()
    assert app.query_params["reviewed_from"] == "2024-01-01"
    expected = sql(page_db, "SELECT count(*) FROM posts WHERE site = 'docs.example' "
                            "AND last_reviewed >= DATE '2024-01-01'")
    assert metric(app, "Posts").value == f"{expected:,}"


def test_a_bookmarked_url_restores_the_filters(page_db, monkeypatch):
    monkeypatch.setenv("COPYDESK_DB", str(page_db))
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.query_params["as_of"] = "2025-07-01"
    at.query_params["stack"] = ["python", "go"]
    at.query_params["status"] = "published"
    at.run()
    assert not at.exception
    assert at.sidebar.multiselect(key="sidebar_stack").value == ["python", "go"]
    assert at.sidebar.multiselect(key="sidebar_status").value == ["published"]
    expected = sql(page_db, "SELECT count(*) FROM posts WHERE list_has_any(stack, ['python', 'go']) "
                            "AND status = 'published'")
    assert metric(at, "Posts").value == f"{expected:,}"


def test_picking_a_bar_shows_the_posts_behind_it(app, page_db):
    app.run()
    app.selectbox(key="scores_pick_site").select("blog.example").run()
    assert not app.exception
    expected = sql(page_db, "SELECT count(*) FROM posts WHERE site = 'blog.example'")
    assert f"{expected:,} posts ({md_escape('site: blog.example')})" in posts_caption(app)
    table = app.dataframe[-1].value
    assert len(table) == min(expected, 200)
    assert set(table["site"]) == {"blog.example"}
    app.button(key="scores_clear_drill").click().run()
    assert "(all posts)" in posts_caption(app)


def test_a_clicked_score_bucket_month_and_heatmap_cell_drill_down(app, page_db):
    app.run()
    app.session_state["scores_drill"] = trends.drill_from_point("bucket", {"bucket": 90}, score="quality")
    app.run()
    expected = sql(page_db, "SELECT count(*) FROM posts WHERE score_quality BETWEEN 90 AND 100")
    assert posts_caption(app).startswith(f"{expected:,} posts")
    assert app.dataframe[-1].value["score_quality"].min() >= 90

    # Vega sends a clicked month as epoch milliseconds
    ms = int(dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc).timestamp() * 1000)
    app.session_state["scores_drill"] = trends.drill_from_point("month", {"month": ms})
    app.run()
    expected = sql(page_db, "SELECT count(*) FROM posts WHERE last_reviewed BETWEEN DATE '2024-03-01' "
                            "AND DATE '2024-03-31'")
    assert posts_caption(app).startswith(f"{expected:,} posts")

    app.session_state["scores_drill"] = trends.drill_from_point("cell", {"stack": "python", "band": "never"})
    app.run()
    expected = sql(page_db, "SELECT count(*) FROM posts WHERE list_contains(stack, 'python') "
                            "AND last_reviewed IS NULL")
    assert expected > 0 and posts_caption(app).startswith(f"{expected:,} posts")
    assert not app.exception


def test_every_table_has_a_csv_download(app):
    app.run()
    keys = {b.proto.id for b in app.get("download_button")}
    assert len(keys) >= 5          # breakdown, month, batches, heatmap, posts


def test_dashboard_lists_the_page(page_db, monkeypatch):
    monkeypatch.setenv("COPYDESK_DB", str(page_db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=30)
    at.run()
    at.switch_page("pages/scores.py").run()
    assert not at.exception
    assert at.title[0].value == "Scores & trends"


def test_without_a_database_the_page_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("COPYDESK_DB", str(tmp_path / "missing.duckdb"))
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not at.exception
    assert "No database" in at.warning[0].value


def test_an_empty_database_renders_with_a_hint(tmp_path, monkeypatch):
    from copydesk import db as dbmod
    path = tmp_path / "empty.duckdb"
    dbmod.open_db(path).close()
    monkeypatch.setenv("COPYDESK_DB", str(path))
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not at.exception
    assert any("no posts yet" in i.value for i in at.info)
    assert metric(at, "Posts").value == "0"


def test_an_invalid_policy_is_reported_not_raised(page_db, tmp_path, monkeypatch):
    bad = tmp_path / "policy.toml"
    bad.write_text("[freshness]\nhalf_life_days = -3\n", encoding="utf-8")
    monkeypatch.setenv("COPYDESK_DB", str(page_db))
    monkeypatch.setenv("COPYDESK_POLICY", str(bad))
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not at.exception
    assert "policy file is invalid" in at.error[0].value


def test_the_policy_sets_the_bands_and_staleness(page_db, tmp_path, monkeypatch):
    strict = tmp_path / "policy.toml"
    strict.write_text("[freshness]\nhalf_life_days = 90\naging_after_days = 30\nstale_after_days = 60\n"
                      "[scores]\ngood = 90\nwatch = 70\n", encoding="utf-8")
    monkeypatch.setenv("COPYDESK_DB", str(page_db))
    monkeypatch.setenv("COPYDESK_POLICY", str(strict))
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.query_params["as_of"] = AS_OF.isoformat()
    at.run()
    assert not at.exception
    total, fresh = (sql(page_db, "SELECT count(*) FROM posts"),
                    sql(page_db, f"SELECT count(*) FROM posts WHERE last_reviewed >= DATE '{AS_OF}' - 60"))
    assert metric(at, "Stale share").value == f"{1 - fresh / total:.1%}"
    assert any("good ≥ 90, watch 70–89, poor < 70" in c.value for c in at.caption)
