"""Per-import-batch snapshots and chart drill-downs, on real DuckDB files."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from copydesk import db as dbmod
from copydesk import queue, trends
from trends_support import AS_OF, make_db


@pytest.fixture(scope="module")
def snap_db(tmp_path_factory):
    return make_db(tmp_path_factory.mktemp("trends") / "t.duckdb", 800, snapshots=True)


def one(path, sql):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchone()
    finally:
        con.close()


def test_snapshot_figures_match_sql_on_the_posts(snap_db):
    policy = trends.load_policy()
    posts, median, never = one(snap_db, "SELECT count(*), median(score_quality), "
                                        "count(*) FILTER (WHERE last_reviewed IS NULL) FROM posts")
    old = one(snap_db, f"SELECT count(*) FROM posts WHERE last_reviewed < DATE '{AS_OF}' - "
                       f"{policy.stale_after_days}")[0]
    row = one(snap_db, "SELECT posts, median_quality, stale_posts, stale_share, as_of, stale_after_days "
                       "FROM batch_metrics WHERE batch_id = 2")
    assert row[0] == posts and row[1] == median
    assert row[2] == never + old
    assert row[3] == pytest.approx((never + old) / posts)
    assert row[4] == AS_OF and row[5] == policy.stale_after_days
    # per site rows add up to the corpus
    assert one(snap_db, "SELECT sum(posts) FROM batch_site_metrics WHERE batch_id = 2")[0] == posts
    assert one(snap_db, "SELECT posts FROM batch_metrics WHERE batch_id = 1")[0] == posts - 4


def test_snapshot_records_queue_size_and_replaces_itself(snap_db, tmp_path):
    path = tmp_path / "copy.duckdb"
    make_db(path, 300)
    policy = trends.load_policy()
    with dbmod.session(path) as con:
        first = trends.record_batch_snapshot(con, 7, AS_OF, policy)
        again = trends.record_batch_snapshot(con, 7, AS_OF, policy)
        assert first["queue_size"] == again["queue_size"] == queue.queue_count(con, policy, AS_OF)
        assert first["duplicate_clusters"] is None         # duplicate detection never ran
        assert con.execute("SELECT count(*) FROM batch_metrics WHERE batch_id = 7").fetchone()[0] == 1
        sites = con.execute("SELECT count(DISTINCT site) FROM posts").fetchone()[0]
        assert con.execute("SELECT count(*) FROM batch_site_metrics WHERE batch_id = 7").fetchone()[0] == sites


def test_change_since_previous_batch(snap_db):
    with dbmod.session(snap_db, read_only=True) as con:
        trend = trends.batch_trend(con)
        site = trends.batch_trend(con, "docs.example")
    change = trends.change_since_previous_batch(trend)
    assert change["batch_id"] == 2 and change["previous_batch_id"] == 1
    assert change["posts"] == 4
    assert trends.change_since_previous_batch(trend.head(1)) == {}
    # the formula posts of batch 2: one on a strange site, three on docs.example
    assert site["posts"].diff().iloc[-1] == 3


def test_import_hook_records_a_snapshot_per_batch(tmp_path, example_page_bytes):
    from copydesk import hooks, importer
    names = [name for _order, name, _fn in hooks.stages()]
    assert names == ["copydesk.quality.corpus.after_import", "copydesk.duplicates.after_import",
                     "copydesk.trends.record_batch_snapshot"]
    src = tmp_path / "pages"
    src.mkdir()
    (src / "a.txt").write_bytes(example_page_bytes)
    db = tmp_path / "i.duckdb"
    first = importer.import_paths([src], db, workers=1)
    (src / "b.txt").write_bytes(example_page_bytes + b"\nmore text\n")
    second = importer.import_paths([src], db, workers=1)
    rows = one(db, "SELECT count(*), min(batch_id), max(batch_id) FROM batch_metrics")
    assert rows == (2, first.batch_id, second.batch_id)
    assert one(db, f"SELECT posts FROM batch_metrics WHERE batch_id = {second.batch_id}")[0] == \
        one(db, "SELECT count(*) FROM posts")[0]


def test_drill_from_points():
    ms = int(dt.datetime(2024, 2, 1, tzinfo=dt.timezone.utc).timestamp() * 1000)
    month = trends.drill_from_point("month", {"month": ms})
    assert month["filters"] == {"reviewed_from": dt.date(2024, 2, 1), "reviewed_to": dt.date(2024, 2, 29)}
    # a month click narrows the sidebar's date range, never widens it
    f, extra = trends.apply_drill({"site": ["a"], "reviewed_from": dt.date(2024, 2, 10), "reviewed_to": None}, month)
    assert f == {"site": ["a"], "reviewed_from": dt.date(2024, 2, 10), "reviewed_to": dt.date(2024, 2, 29)}
    assert extra == {}
    bucket = trends.drill_from_point("bucket", {"bucket": 90}, score="quality")
    assert bucket["extra"] == {"score_name": "quality", "score_min": 90, "score_max": 100}
    key = trends.drill_from_point("key", {"key": "python"}, dim="stack")
    f, _ = trends.apply_drill({"stack": ["go", "python"]}, key)
    assert f["stack"] == ["python"]
    assert trends.drill_from_point("batch", {"batch_id": 3})["extra"] == {"batch_id": 3}
    assert trends.drill_from_point("cell", {"stack": "go", "band": "stale"})["filters"] == \
        {"stack": ["go"], "band": ["stale"]}
    assert trends.drill_from_point("key", {}) is None
    with pytest.raises(ValueError):
        trends.drill_from_point("nope", {"x": 1})


def test_distribution_breakdown_and_heatmap_match_sql(snap_db):
    policy = trends.load_policy()
    with dbmod.session(snap_db, read_only=True) as con:
        dist = trends.run(con, "trends/score_distribution", policy, {"site": ["docs.example"]}, AS_OF)
        heat = trends.run(con, "trends/staleness_by_stack", policy, {}, AS_OF, max_stacks=100)
        by_status = trends.run(con, "trends/breakdown", policy, {}, AS_OF, dim="status")
        by_stack = trends.run(con, "trends/breakdown", policy, {}, AS_OF, dim="stack")
    top = dist[(dist["score"] == "quality") & (dist["bucket"] == 90)]["posts"].item()
    assert top == one(snap_db, "SELECT count(*) FROM posts WHERE site = 'docs.example' "
                               "AND score_quality BETWEEN 90 AND 100")[0]
    assert dist[dist["score"] == "depth"]["posts"].sum() == one(
        snap_db, "SELECT count(score_depth) FROM posts WHERE site = 'docs.example'")[0]
    never = heat[(heat["stack"] == "python") & (heat["band"] == "never")]["posts"].item()
    assert never == one(snap_db, "SELECT count(*) FROM posts WHERE list_contains(stack, 'python') "
                                 "AND last_reviewed IS NULL")[0]
    python = heat[heat["stack"] == "python"]
    assert python["share"].sum() == pytest.approx(1, abs=1e-3)
    assert python["stack_posts"].iloc[0] == one(snap_db, "SELECT count(*) FROM posts "
                                                         "WHERE list_contains(stack, 'python')")[0]
    published = by_status[by_status["key"] == "published"].iloc[0]
    n, mean_q = one(snap_db, "SELECT count(*), round(avg(score_quality), 1) FROM posts WHERE status = 'published'")
    assert (published["posts"], published["mean_quality"]) == (n, mean_q)
    # a post with no stack is counted under "(none)"; one with two stacks under both
    assert by_stack["posts"].sum() == one(snap_db, "SELECT sum(greatest(len(stack), 1)) FROM posts")[0]
