"""The Quality page and the review queue's quality card in the real Streamlit app (AppTest), over a
real DuckDB file made by real imports of hand-written pages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from copydesk import freshness, quality
from copydesk.app import quality as app_quality
from copydesk.quality import charts, figures
from copydesk.importer import import_paths
from quality_support import page, write
from sql_support import q

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "quality.py")
REVIEW = str(ROOT / "pages" / "review_queue.py")
SHARED = "Shared boilerplate sentence that many posts repeat word for word."
HOSTILE_SENTENCE = "**Bold** [link](http://evil.example) <b>tag</b> is written here."


def _original(i: int) -> str:
    paragraphs = [" ".join(f"Post {i} paragraph {p} sentence {s} explains a distinct idea about caching layer {i * 7 + s}."
                           for s in range(6)) for p in range(4)]
    return "\n\n".join(["Why it matters", paragraphs[0], paragraphs[1], "How to do it", paragraphs[2], paragraphs[3]])


@pytest.fixture(scope="module")
def quality_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("qpage")
    src = tmp / "p"
    for i in range(6):     # originals, recorded quality 85 (computed ~98: they agree)
        write(src, f"o{i}.txt", page(f"orig-{i}", _original(i), site="alphanode", quality=85, reading_time=2,
                                     paragraphs=4))
    for i in range(8):     # template-heavy posts, recorded quality 93: held by 8 posts
        body = f"Heading {i}\n\n{SHARED} {HOSTILE_SENTENCE} Only post {i} says this."
        write(src, f"t{i}.txt", page(f"tmpl-{i}", body, site="betasite", quality=93))
    write(src, "thin.txt", page("thin-1", "A tiny post.", site="betasite", quality=90))
    db = tmp / "q.duckdb"
    import_paths([src], db, workers=1)
    return db


@pytest.fixture
def app(quality_db, monkeypatch):
    monkeypatch.setenv("COPYDESK_DB", str(quality_db))
    return AppTest.from_file(PAGE, default_timeout=60)


def metric(at, label):
    (m,) = [m for m in at.metric if m.label == label]
    return m.value


def test_the_page_shows_computed_against_recorded_quality(app, quality_db):
    at = app.run()
    assert not at.exception and not at.error
    assert metric(at, "Posts scored") == "15 of 15"
    mean = q(quality_db, "SELECT round(avg(computed_quality), 1) FROM post_quality")[0][0]
    assert metric(at, "Mean computed quality") == f"{mean:.1f}"
    gaps = q(quality_db, "SELECT count(*) FROM post_quality WHERE abs(recorded_quality - computed_quality) >= 30")
    assert metric(at, "Disagreements") == f"{gaps[0][0]:,}" and gaps[0][0] >= 8       # the template posts
    # the scatter: every disagreeing post is drawn, flagged, and a click on it picks its post id
    con = duckdb.connect(str(quality_db), read_only=True)
    try:
        points = figures.page_figures(con, freshness.Policy(), {}, dt.date.today())["points"]
    finally:
        con.close()
    assert set(points.loc[points["disagrees"], "post_id"]) >= {f"tmpl-{i}" for i in range(8)}
    spec = charts.quality_scatter(points, 30).to_dict()
    params = spec.get("params", []) + [p for layer in spec["layer"] for p in layer.get("params", [])]
    assert [p["name"] for p in params] == [charts.PICK_POST]
    assert params[0]["select"]["fields"] == ["post_id"]
    assert app_quality.picked_post({"selection": {charts.PICK_POST: [{"post_id": "tmpl-2"}]}}) == "tmpl-2"
    # the template sentences of the corpus (as text, not markdown)
    sentences = [df.value for df in at.dataframe if "sentence" in df.value.columns][0]
    assert set(sentences["sentence"]) == {SHARED.lower(), HOSTILE_SENTENCE.lower()}
    assert set(sentences["posts"]) == {8}


def test_the_figures_without_a_filter_equal_those_through_post_freshness(quality_db):
    """The page reads the posts view directly when no filter is set: a filter that keeps every post (all
    bands) goes through review/post_freshness and must give the same figures; the findings counted per
    list of codes equal `copydesk quality`'s count of posts per code."""
    con = duckdb.connect(str(quality_db), read_only=True)
    try:
        today = dt.date.today()
        direct = figures.page_figures(con, freshness.Policy(), {}, today)
        filtered = figures.page_figures(con, freshness.Policy(), {"band": ["fresh", "aging", "stale", "never"]}, today)
        summary = quality.summary(con, freshness.Policy().quality)
    finally:
        con.close()
    assert direct["headline"] == filtered["headline"] and direct["headline"]["posts"] == 15
    for name in ("distribution", "points", "findings", "by_site"):
        pd.testing.assert_frame_equal(direct[name], filtered[name])
    assert dict(zip(direct["findings"]["code"], direct["findings"]["posts"])) == summary["findings"]
    points = direct["points"]
    assert len(points) == 15 and points["title"].notna().all()        # every scored post, with its title
    gaps = points["gap"].abs().tolist()
    assert points["disagrees"].tolist() == sorted(points["disagrees"], reverse=True)   # disagreements first,
    assert gaps[:8] == sorted(gaps[:8], reverse=True)                                  # largest gap first


def test_findings_drill_down_lists_the_posts(app):
    at = app.run()
    findings = [df.value for df in at.dataframe if "code" in df.value.columns][0]
    counts = dict(zip(findings["code"], findings["posts"]))
    assert counts["template_text"] == 8 and counts["thin"] >= 9
    at.selectbox(key="quality_finding").select("template_text").run()
    assert not at.exception
    posts = [df.value for df in at.dataframe if "findings" in df.value.columns and "post_id" in df.value.columns][0]
    assert sorted(posts["post_id"]) == [f"tmpl-{i}" for i in range(8)]


def test_filters_come_from_the_url(app):
    app.query_params["site"] = "alphanode"
    at = app.run()
    assert not at.exception
    assert metric(at, "Posts scored") == "6 of 6"
    assert metric(at, "Disagreements") == "0"


def test_sub_scores_by_stack_and_the_trend_across_imports(app, quality_db):
    at = app.run()
    at.segmented_control(key="quality_dim").set_value("stack").run()
    assert not at.exception
    trend = [df.value for df in at.dataframe if "mean_computed_quality" in df.value.columns][0]
    assert list(trend["posts"]) == [15]          # one import batch so far


def test_the_review_queue_opens_the_linked_post_with_its_quality_card(quality_db, monkeypatch):
    monkeypatch.setenv("COPYDESK_DB", str(quality_db))
    at = AppTest.from_file(REVIEW, default_timeout=60)
    at.query_params["open"] = "tmpl-3"
    at.run()
    assert not at.exception
    assert at.selectbox(key="review_open").value == "tmpl-3"
    texts = [t.value for t in at.text]
    article = [t for t in texts if "▶" in t]
    assert article, texts
    # both shared sentences marked with the 7 other posts holding them; the post's own sentence not
    assert f"▶ {SHARED} ◀ [in 7 other posts]" in article[0]
    assert f"▶ {HOSTILE_SENTENCE} ◀ [in 7 other posts]" in article[0]      # shown as written, never as markdown
    assert "Only post 3 says this." in article[0] and "▶ Only post 3" not in article[0]
    scores = [df.value for df in at.dataframe if "sub-score" in df.value.columns][0]
    lowered = dict(zip(scores["sub-score"], scores["what lowered it"]))
    assert lowered["originality"].startswith("67% of sentences are template text")
    assert lowered["substance"].startswith("thin:")
    assert not [m for m in at.markdown if "evil.example" in m.value and "\\" not in m.value]
