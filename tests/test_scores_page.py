"""The Scores & trends page in the real Streamlit app (AppTest) over a real DuckDB file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from copydesk import db as dbmod
from copydesk import trends
from copydesk.app.common import md_escape
from review_support import insert_posts, post_row
from trends_support import AS_OF, make_db

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "scores.py")
UNSCORED = 5


@pytest.fixture(scope="module")
def page_db(tmp_path_factory):
    path = make_db(tmp_path_factory.mktemp("page") / "s.duckdb", 1500, snapshots=True)
    with dbmod.session(path) as con:
        insert_posts(con, [post_row(f"unscored-{i}", site="docs.example", score_quality=None,
                                    last_reviewed=AS_OF - dt.timedelta(days=30 * i)) for i in range(UNSCORED)])
    return path


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


def elements(node) -> list:
    """Every element under ``node``, in page order (blocks, columns and expanders opened)."""
    out = []
    for child in (node.children.values() if isinstance(node.children, dict) else node.children):
        out.append(child)
        if hasattr(child, "children"):
            out.extend(elements(child))
    return out


def drill_caption(at) -> str:
    (c,) = [c.value for c in at.caption if "showing the first" in c.value]
    return c


def drill_table(at):
    """The table of the drill-down block: the first table after its caption."""
    els = elements(at.main)
    start = next(i for i, e in enumerate(els)
                 if getattr(e, "type", "") == "caption" and "showing the first" in e.value)
    return next(e for e in els[start:] if type(e).__name__ == "Dataframe").value


def drill_follows(at, source_key: str) -> bool:
    """The drill-down block comes right after the element ``source_key`` (the chart or table clicked)."""
    els = elements(at.main)
    keys = [getattr(e, "key", None) or getattr(getattr(e, "proto", None), "id", "") for e in els]
    start = next(i for i, e in enumerate(els) if source_key in str(keys[i]))
    after = els[start + 1:start + 5]          # the block, its columns, the first column, the label
    return any(getattr(e, "type", "") == "markdown" and "Posts behind the selection" in e.value for e in after)


def test_page_renders_headline_figures_with_change_since_previous_batch(app, page_db):
    app.run()
    assert not app.exception
    total = sql(page_db, "SELECT count(*) FROM posts")
    assert metric(app, "Posts").value == f"{total:,}"
    assert metric(app, "Posts").delta == "+4"                 # batch 2 added the four formula posts
    assert metric(app, "Posts").proto.direction == MetricProto.MetricDirection.UP
    reviewed = sql(page_db, f"SELECT count(*) FROM posts WHERE last_reviewed >= DATE '{AS_OF}' - 180")
    stale = 1 - reviewed / total
    assert metric(app, "Stale share").value == f"{stale:.1%}"
    median = sql(page_db, "SELECT median(score_quality) FROM posts")
    assert metric(app, "Median quality").value == f"{median:.0f}"
    assert any("batch 2 vs. batch 1" in c.value for c in app.caption)
    assert app.sidebar.date_input(key="sidebar_as_of").value == AS_OF


def test_a_zero_change_shows_no_arrow(tmp_path, monkeypatch):
    """Two snapshots of the same corpus: every change is zero -> "unchanged", no ↑ +0.0."""
    path = make_db(tmp_path / "z.duckdb", 300, formula_posts=False)
    policy = trends.load_policy()
    with dbmod.session(path) as con:
        trends.record_batch_snapshot(con, 1, AS_OF, policy)
        trends.record_batch_snapshot(con, 2, AS_OF, policy)
    monkeypatch.setenv("COPYDESK_DB", str(path))
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.query_params["as_of"] = AS_OF.isoformat()
    at.run()
    assert not at.exception
    for label in ("Posts", "In the review queue", "Stale share", "Median quality"):
        m = metric(at, label)
        assert m.delta == "unchanged", label
        assert m.proto.direction == MetricProto.MetricDirection.NONE, label
    assert not metric(at, "Near-duplicate clusters").delta            # never ran: no change at all
    batches = at.dataframe(key="scores_table_batches").value
    assert batches.iloc[0]["Posts"] == "300 (unchanged)" and batches.iloc[1]["Posts"] == "300"
    assert "+0" not in batches.to_string() and "−0" not in batches.to_string()


def test_every_caption_names_every_active_filter(app, page_db):
    app.run()
    app.sidebar.multiselect(key="sidebar_site").select("docs.example").run()
    app.sidebar.multiselect(key="sidebar_stack").select("python").run()
    assert not app.exception
    expected = sql(page_db, "SELECT count(*) FROM posts WHERE site = 'docs.example' AND list_contains(stack, 'python')")
    assert metric(app, "Posts").value == f"{expected:,}"
    assert not metric(app, "Posts").delta                     # deltas are corpus-wide only
    assert app.query_params["site"] == "docs.example" and app.query_params["stack"] == "python"
    filters = md_escape("site: docs.example · stack: python")
    scoped = [c.value for c in app.caption if "as of" in c.value]
    assert len(scoped) >= 8
    for caption in scoped:
        assert filters in caption, caption
        assert "all posts" not in caption, caption
    # figures that the filters cannot narrow say which filters they ignore
    assert any(md_escape("not applied to snapshots: stack: python") in c.value for c in app.caption)
    assert any("Whole corpus" in c.value and "filters do not apply" in c.value for c in app.caption)


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


def test_show_posts_for_opens_them_under_the_breakdown_chart(app, page_db):
    app.run()
    app.selectbox(key="scores_pick_site").select("blog.example").run()
    assert not app.exception
    expected = sql(page_db, "SELECT count(*) FROM posts WHERE site = 'blog.example'")
    assert drill_caption(app).startswith(f"{expected:,} posts · {md_escape('site = blog.example')}")
    assert drill_follows(app, "scores_chart_breakdown")
    table = drill_table(app)
    assert len(table) == min(expected, 200)
    assert set(table["site"]) == {"blog.example"}
    app.button(key="scores_clear_drill").click().run()
    assert not [c for c in app.caption if "showing the first" in c.value]
    assert app.selectbox(key="scores_pick_site").value is None


def test_a_clicked_score_bucket_and_heatmap_cell_drill_down_under_their_chart(app, page_db):
    app.run()
    app.session_state["scores_drill"] = {**trends.drill_from_point("bucket", {"bucket": 90}, score="quality"),
                                         "source": "scores_chart_dist"}
    app.run()
    expected = sql(page_db, "SELECT count(*) FROM posts WHERE score_quality BETWEEN 90 AND 100")
    assert drill_caption(app).startswith(f"{expected:,} posts · quality score 90–100 · no other filter")
    assert drill_follows(app, "scores_chart_dist")
    assert drill_table(app)["score_quality"].min() >= 90

    app.session_state["scores_drill"] = {**trends.drill_from_point("cell", {"stack": "python", "band": "never"}),
                                         "source": "scores_chart_heat"}
    app.run()
    expected = sql(page_db, "SELECT count(*) FROM posts WHERE list_contains(stack, 'python') "
                            "AND last_reviewed IS NULL")
    assert expected > 0 and drill_caption(app).startswith(f"{expected:,} posts")
    assert drill_follows(app, "scores_chart_heat")
    assert not app.exception


def test_posts_without_a_score_are_counted_and_open_apart(app, page_db):
    app.run()
    missing = sql(page_db, "SELECT count(*) FROM posts WHERE score_quality IS NULL")
    assert missing == UNSCORED
    assert any(m.value.startswith(f"**{missing:,} posts have no quality score**") for m in app.markdown)
    app.button(key="scores_missing_quality").click().run()
    assert drill_caption(app).startswith(f"{missing:,} posts · no quality score")
    table = drill_table(app)
    assert len(table) == missing and table["score_quality"].isna().all()
    assert drill_follows(app, "scores_chart_dist")


def test_a_review_age_segment_drills_down_to_the_posts_it_counts(app, page_db):
    app.run()
    point = {"key": "docs.example", "age_band": "< 1 y", "age_min": 180, "age_max": 364}
    app.session_state["scores_drill"] = {**trends.drill_from_point("age", point, dim="site"),
                                         "source": "scores_chart_age_site"}
    app.run()
    expected = sql(page_db, f"SELECT count(*) FROM posts WHERE site = 'docs.example' AND "
                            f"DATE '{AS_OF}' - last_reviewed BETWEEN 180 AND 364")
    assert drill_caption(app).startswith(f"{expected:,} posts · "
                                         + md_escape("site = docs.example, last reviewed 180–364 days ago"))
    assert drill_follows(app, "scores_chart_age_site")


def test_every_table_has_a_csv_download(app):
    app.run()
    keys = {b.proto.id for b in app.get("download_button")}
    assert len(keys) >= 9   # coverage, throughput, batches, quality x age, age x site, distribution, breakdown,
    #                         heatmap, all posts


def test_tables_show_missing_values_as_a_dash_not_nat(app):
    app.run()
    frames = list(app.dataframe)
    assert len(frames) >= 5
    assert {frame.proto.placeholder for frame in frames} == {"—"}     # the grid shows "—" for NaT / None / <NA>
    batches = app.dataframe(key="scores_table_batches").value
    assert not batches.isna().any().any()                               # text cells: "—" written out
    assert (batches["Near-duplicate clusters"] == "—").all()            # detection never ran


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
    assert any("fresh < 30 d ≤ aging ≤ 60 d < stale" in c.value for c in at.caption)
