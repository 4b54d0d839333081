"""Per-import-batch snapshots and chart drill-downs, on real DuckDB files."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
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


HEADLINE_FIGURES = ("posts", "stale_posts", "stale_share", "median_quality", "mean_quality", "mean_freshness",
                    "mean_depth", "mean_clarity", "mean_computed_freshness", "poor_quality_posts")


def test_snapshot_rows_are_the_headline_of_the_corpus_and_of_each_site(tmp_path):
    # the snapshot takes every figure in one pass (grouping sets) on a second cursor: the same
    # numbers as trends.headline, for all posts and with each site as the filter
    path = tmp_path / "h.duckdb"
    make_db(path, 400)
    policy = trends.load_policy()
    with dbmod.session(path) as con:
        stored = trends.record_batch_snapshot(con, 3, AS_OF, policy)
        whole = trends.headline(con, policy, None, AS_OF)
        for key in (*HEADLINE_FIGURES, "queue_size", "duplicate_clusters"):
            assert stored[key] == pytest.approx(whole[key]), key
        rows = con.execute("SELECT * EXCLUDE (batch_id) FROM batch_site_metrics WHERE batch_id = 3 "
                           "ORDER BY site").fetchall()
        names = [d[0] for d in con.description]
        sites = [r[0] for r in con.execute("SELECT DISTINCT site FROM posts WHERE site IS NOT NULL "
                                           "ORDER BY site").fetchall()]
        assert [r[names.index("site")] for r in rows] == sites and len(sites) > 1
        for r in rows:
            one_site = trends.headline(con, policy, {"site": [r[names.index("site")]]}, AS_OF)
            for key in HEADLINE_FIGURES:
                assert r[names.index(key)] == pytest.approx(one_site[key]), (r[0], key)


def test_snapshot_fails_whole_when_its_concurrent_read_fails(tmp_path, monkeypatch):
    path = tmp_path / "f.duckdb"
    make_db(path, 50)
    policy = trends.load_policy()

    def broken(self, con):
        raise duckdb.IOException("IO Error: disk gone")
    monkeypatch.setattr(trends.queries.Statement, "arrow", broken)
    with dbmod.session(path) as con:
        with pytest.raises(duckdb.IOException, match="disk gone"):
            trends.record_batch_snapshot(con, 4, AS_OF, policy)
        assert con.execute("SELECT count(*) FROM batch_metrics WHERE batch_id = 4").fetchone()[0] == 0


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
    bucket = trends.drill_from_point("bucket", {"bucket": 90}, score="quality")
    assert bucket["extra"] == {"score_name": "quality", "score_min": 90, "score_max": 100}
    missing = trends.drill_from_point("missing", {"score": "depth"}, score="depth")
    assert missing["extra"] == {"score_name": "depth", "score_min": None, "score_max": None}
    assert missing["label"] == "no depth score"
    # a clicked key narrows on top of the sidebar's filters (a stack within the selected stacks)
    key = trends.drill_from_point("key", {"key": "python"}, dim="stack")
    f, extra = trends.apply_drill({"stack": ["go", "python"]}, key)
    assert f["stack"] == ["go", "python"] and extra == {"drill_dim": "stack", "drill_key": "python"}
    assert trends.drill_from_point("batch", {"batch_id": 3})["extra"] == {"batch_id": 3}
    cell = trends.drill_from_point("cell", {"stack": "go", "band": "stale"})
    assert (cell["filters"], cell["extra"]) == ({"band": ["stale"]}, {"drill_dim": "stack", "drill_key": "go"})
    age = trends.drill_from_point("age", {"key": "docs.example", "age_band": "< 1 y", "age_min": 180, "age_max": 364},
                                  dim="site")
    assert age["extra"] == {"age_min": 180, "age_max": 364, "drill_dim": "site", "drill_key": "docs.example"}
    assert age["label"] == "site = docs.example, last reviewed 180–364 days ago"
    older = trends.drill_from_point("age", {"age_band": "older", "age_min": 730, "age_max": None,
                                            "quality_band": "watch"}, good=80, watch=60)
    assert older["extra"] == {"age_min": 730, "age_max": None, "score_name": "quality", "score_min": 60,
                              "score_max": 79}
    never = trends.drill_from_point("age", {"age_band": "never", "age_min": None, "age_max": None,
                                            "quality_band": "no score"}, good=80, watch=60)
    assert never["filters"] == {"band": ["never"]}
    assert never["extra"] == {"score_name": "quality", "score_min": None, "score_max": None}
    assert never["label"] == "never reviewed, no quality score"
    assert trends.drill_from_point("key", {}) is None
    with pytest.raises(ValueError):
        trends.drill_from_point("nope", {"x": 1})


def test_each_drill_down_selects_the_posts_its_mark_counts(snap_db):
    """The posts behind a mark are exactly the posts the chart counted there (same SQL keys)."""
    policy = trends.load_policy()
    with dbmod.session(snap_db, read_only=True) as con:
        fig = trends.page_figures(con, policy, {}, AS_OF, dims=("site", "status"))

        def count(kind, point, **ctx):
            drill = trends.drill_from_point(kind, point, **ctx)
            filters, extra = trends.apply_drill({}, drill)
            return trends.posts_count(con, policy, filters, AS_OF, **extra)

        for row in fig["age_by_site"].itertuples():
            assert count("age", row._asdict(), dim="site") == row.posts, row
        for row in fig["quality_by_age"].itertuples():
            assert count("age", row._asdict(), good=policy.good("quality"), watch=policy.watch("quality")) \
                == row.posts, row
        for row in fig["heatmap"].head(8).itertuples():
            assert count("cell", {"stack": row.stack, "band": row.band}) == row.posts, row
        for row in fig["by_site"].itertuples():                     # '=cmd…' and '(none)' keys too
            assert count("key", {"key": row.key}, dim="site") == row.posts, row
        dist = fig["distribution"]
        for row in dist[dist["score"] == "quality"].itertuples():
            kind = "missing" if pd.isna(row.bucket) else "bucket"
            assert count(kind, {"bucket": row.bucket, "score": "quality"}, score="quality") == row.posts, row


def test_the_review_age_rank_agrees_with_the_band_table(snap_db):
    """trends/_aged ranks each review age by a CASE; trends/age_bands holds the same bands as a table."""
    from copydesk import queries
    with dbmod.session(snap_db, read_only=True) as con:
        bands = queries.run(con, "trends/age_bands").df()
        ages = pd.DataFrame({"review_age_days": pd.array(
            [a for r in bands.itertuples() if not pd.isna(r.age_min)
             for a in (r.age_min, r.age_max if not pd.isna(r.age_max) else 100_000)] + [None], dtype="Int64")})
        con.register("ages", ages)
        ranked = queries.statement("trends/_aged", parts={"posts": "ages"}).df(con)
        con.unregister("ages")
    expected = [r.age_rank for r in bands.itertuples() if not pd.isna(r.age_min) for _ in (0, 1)] + [6]
    assert ranked["age_rank"].tolist() == expected
    assert bands["age_band"].tolist() == ["< 90 d", "< 180 d", "< 1 y", "< 2 y", "older", "never"]


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
    depth = dist[dist["score"] == "depth"]
    assert depth[depth["bucket"].notna()]["posts"].sum() == one(
        snap_db, "SELECT count(score_depth) FROM posts WHERE site = 'docs.example'")[0]
    assert depth[depth["bucket"].isna()]["posts"].item() == one(
        snap_db, "SELECT count(*) - count(score_depth) FROM posts WHERE site = 'docs.example'")[0]
    assert len(depth) == 11                                   # ten buckets, empty ones too, and "no value"
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
