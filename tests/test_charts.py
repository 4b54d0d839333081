"""Charts are functions DataFrame -> Altair chart; checked through chart.to_dict() on real query results."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from copydesk import charts, db as dbmod, trends
from copydesk.freshness import Policy
from review_support import insert_posts, post_row
from trends_support import AS_OF, make_db

NO_SCORE = 7          # posts added to the synthetic corpus without a quality score


def _data(spec: dict) -> list[dict]:
    """The inline rows of a chart spec (Altair puts them in 'datasets')."""
    datasets = spec.get("datasets", {})
    assert len(datasets) == 1, datasets.keys()
    return next(iter(datasets.values()))


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def _params(spec: dict) -> list[str]:
    layers = _layers(spec) + ([spec] if "layer" in spec else [])
    return [p["name"] for layer in layers for p in layer.get("params", [])]


def _mark(layer: dict) -> str:
    return layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = make_db(tmp_path_factory.mktemp("charts") / "c.duckdb", 1500, snapshots=True)
    with dbmod.session(path) as con:
        insert_posts(con, [post_row(f"unscored-{i}", site="docs.example", score_quality=None, score_depth=None,
                                    last_reviewed=None if i % 2 else AS_OF - dt.timedelta(days=400))
                           for i in range(NO_SCORE)])
    return path


@pytest.fixture(scope="module")
def results(db):
    policy = trends.load_policy()
    with dbmod.session(db, read_only=True) as con:
        out = trends.page_figures(con, policy, {}, AS_OF, dims=("site", "stack", "difficulty"))
        out["heatmap5"] = trends.run(con, "trends/staleness_by_stack", policy, {}, AS_OF, max_stacks=5)
        out["batches"] = trends.batch_trend(con)
        out["sql"] = {
            "no_quality": con.execute("SELECT count(*) FROM posts WHERE score_quality IS NULL").fetchone()[0],
            "zero_bucket": con.execute("SELECT count(*) FROM posts WHERE score_quality BETWEEN 0 AND 9").fetchone()[0],
            "never": con.execute("SELECT count(*) FROM posts WHERE last_reviewed IS NULL").fetchone()[0],
        }
    return out


# --- distributions ------------------------------------------------------------------------------

def test_a_missing_score_is_counted_apart_never_drawn_in_bucket_0(results):
    dist = results["distribution"]
    quality = dist[dist["score"] == "quality"]
    assert charts.missing_count(dist, "quality") == results["sql"]["no_quality"] == NO_SCORE
    spec = charts.score_distribution(dist, "quality", good=70, watch=40).to_dict()
    rows = _data(spec)
    zero = [r for r in rows if r["bucket"] == 0]
    assert [r["posts"] for r in zero] == [results["sql"]["zero_bucket"]]      # not 0-9 + the unscored
    assert sum(r["posts"] for r in rows) == int(quality["posts"].sum()) - NO_SCORE
    assert spec["title"]["subtitle"] == f"{NO_SCORE:,} posts without a value are not drawn"
    # computed freshness: a never-reviewed post has none (not 0)
    assert charts.missing_count(dist, "computed_freshness") == results["sql"]["never"]
    cf = _data(charts.score_distribution(dist, "computed_freshness").to_dict())
    assert sum(r["posts"] for r in cf) == int(dist[dist["score"] == "computed_freshness"]["posts"].sum()) \
        - results["sql"]["never"]


def test_every_bucket_is_on_the_axis_even_empty(results):
    dist = results["distribution"]
    assert dist[dist["bucket"].notna()].groupby("score").size().tolist() == [10] * 5
    only_high = dist[(dist["score"] == "quality") & ((dist["bucket"] >= 50) | dist["bucket"].isna())]
    spec = charts.score_distribution(only_high, "quality").to_dict()
    x = _layers(spec)[0]["encoding"]["x"]
    assert x["scale"]["domain"] == ["0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89",
                                    "90-100"]


def test_score_colours_are_the_policy_bands(results):
    dist = results["distribution"]
    spec = charts.score_distribution(dist, "quality", good=70, watch=40).to_dict()
    band = {r["bucket"]: r["band"] for r in _data(spec)}
    assert band[70] == "good" and band[90] == "good"
    assert band[40] == "watch" and band[60] == "watch"
    assert band[30] == "poor" and band[0] == "poor"
    bars, counts = _layers(spec)
    assert bars["encoding"]["color"]["scale"] == {"domain": ["good", "watch", "poor"],
                                                  "range": ["#2e7d32", "#f9a825", "#c62828"]}
    assert counts["encoding"]["text"]["field"] == "posts"          # the count on each bar
    assert charts.PICK in _params(spec)


def test_breakdown_colours_are_anchored_to_the_policy_not_the_data(results):
    df = results["by_difficulty"]
    assert df["mean_quality"].max() - df["mean_quality"].min() < 5       # a narrow spread …
    spec = charts.breakdown_bars(df, "difficulty", "mean_quality", good=80, watch=40).to_dict()
    rows = _data(spec)
    assert {r["band"] for r in rows if r["mean_quality"] is not None} == {"watch"}   # … is one band, not a rainbow
    assert spec["encoding"]["color"]["scale"]["domain"] == ["good", "watch", "poor"]
    assert spec["encoding"]["x"]["scale"]["domain"] == [0, 100]
    stale = charts.breakdown_bars(df, "difficulty", "stale_share").to_dict()
    assert stale["encoding"]["color"]["scale"]["domain"] == [0, 1]       # 88 % stale is dark red whatever the rest
    assert "scheme" not in str(stale["encoding"]["color"])
    rows = _data(charts.breakdown_bars(results["by_stack"], "stack", "posts", max_bars=3).to_dict())
    assert [r["key"] for r in rows] == results["by_stack"].sort_values(["posts", "key"], ascending=[False, True])[
        "key"].head(3).tolist()


def test_heatmap_cells_carry_counts_and_band_colours(results):
    df = results["heatmap5"]
    assert df["stack"].nunique() == 5
    spec = charts.staleness_heatmap(df).to_dict()
    rect, text = _layers(spec)
    rows = _data(spec)
    assert len(rows) == len(df)
    for row in rows:
        assert row["cell"] == f"{row['posts']:,} · {row['share']:.0%}"
    assert text["encoding"]["text"]["field"] == "cell"
    assert rect["encoding"]["color"]["field"] == "band"
    assert rect["encoding"]["color"]["scale"]["domain"] == ["fresh", "aging", "stale", "never"]
    assert rect["encoding"]["opacity"]["scale"]["domain"] == [0, 1]
    stalest = df.sort_values(["stack_stale_share", "stack"], ascending=[False, True])["stack"].iloc[0]
    assert rect["encoding"]["y"]["sort"][0] == stalest
    assert rect["encoding"]["x"]["scale"]["domain"] == ["fresh", "aging", "stale", "never"]


# --- coverage, throughput, the queue ------------------------------------------------------------

def test_review_coverage_chart_has_every_band_in_a_fixed_order(results):
    cov = results["coverage"]
    spec = charts.review_coverage(cov).to_dict()
    rows = _data(spec)
    assert len({r["month"] for r in rows}) == trends.COVERAGE_MONTHS
    assert sum(r["posts"] for r in rows if r["month"] == rows[0]["month"]) == results["headline"]["posts"]
    assert spec["encoding"]["color"]["scale"]["domain"] == ["fresh", "aging", "stale", "never", "unknown"]
    assert spec["encoding"]["y"]["stack"] == "normalize"
    site = charts.review_coverage(cov, "docs.example").to_dict()
    assert {r["month"] for r in _data(site)} == {r["month"] for r in rows}


def test_throughput_and_queue_charts():
    weeks = pd.DataFrame({"week": [dt.date(2025, 6, 23)] * 2 + [dt.date(2025, 6, 30)] * 2,
                          "decision": ["approve", "snooze"] * 2, "decisions": [3, 0, 1, 2]})
    spec = charts.review_throughput(weeks).to_dict()
    assert spec["encoding"]["color"]["scale"]["domain"] == list(charts.DECISIONS)
    assert [r["week"] for r in _data(spec)] == ["2025-06-23"] * 2 + ["2025-06-30"] * 2
    history = pd.DataFrame({"date": [dt.date(2025, 6, 1), dt.date(2025, 7, 1)], "queue_size": [100, 70],
                            "source": ["import batch 1", "now"]})
    spec = charts.queue_trend(history, dt.date(2025, 8, 1)).to_dict()
    assert [_mark(layer) for layer in _layers(spec)] == ["line", "point", "line"]       # the projection, dashed
    assert charts.queue_trend(history, None).to_dict()["layer"].__len__() == 2


# --- quality by review age, review age by site/stack ---------------------------------------------

def test_quality_by_review_age_has_every_band_with_counts(results):
    df = results["quality_by_age"]
    spec = charts.quality_by_review_age(df).to_dict()
    bars, counts = _layers(spec)
    rows = _data(spec)
    assert len(rows) == 6 * 4                                   # every age band x quality band, empty ones too
    assert len(bars["encoding"]["y"]["sort"]) == 6
    assert bars["encoding"]["y"]["sort"][0].startswith("< 90 d (")
    assert bars["encoding"]["y"]["sort"][-1].startswith("never (")
    assert bars["encoding"]["color"]["scale"]["domain"] == ["good", "watch", "poor", "no score"]
    assert counts["encoding"]["text"]["field"] == "posts"
    assert sum(r["posts"] for r in rows) == results["headline"]["posts"]
    assert sum(r["posts"] for r in rows if r["quality_band"] == "no score") == NO_SCORE
    assert charts.PICK in _params(spec)


def test_review_age_colours_follow_the_policy_thresholds(results):
    df = results["age_by_site"]
    spec = charts.review_age_bars(df, "site", aging_after_days=90, stale_after_days=180).to_dict()
    color = _layers(spec)[0]["encoding"]["color"]["scale"]
    assert color["domain"] == ["< 90 d", "< 180 d", "< 1 y", "< 2 y", "older", "never"]
    assert color["range"] == ["#2e7d32", "#f9a825", *charts.STALE_SHADES, "#616161"]
    # a stricter policy (stale after 60 days): the oldest posts of "< 90 d" are already stale
    strict = charts.age_band_colors(df, 30, 60)
    assert strict["< 90 d"] == charts.STALE_SHADES[0] and strict["< 180 d"] == charts.STALE_SHADES[1]
    assert charts.age_band_colors(df, 100, 200)["< 180 d"] == "#f9a825"
    rows = _data(spec)
    assert len(rows) == df["key"].nunique() * 6
    assert sum(r["posts"] for r in rows) == results["headline"]["posts"]


def test_empty_frames_still_make_a_chart():
    empty = pd.DataFrame({"score": pd.Series([], dtype="str"), "bucket": pd.Series([], dtype="Int64"),
                          "posts": pd.Series([], dtype="int")})
    spec = charts.score_distribution(empty, "quality").to_dict()
    assert _data(spec) == []


def test_score_band_and_bucket_label():
    assert charts.score_band(80, 80, 60) == "good"
    assert charts.score_band(79, 80, 60) == "watch"
    assert charts.score_band(59, 80, 60) == "poor"
    assert charts.bucket_label(0) == "0-9" and charts.bucket_label(90) == "90-100"


def test_batch_trend_plots_each_snapshot(results):
    df = results["batches"]
    assert df["batch_id"].tolist() == [1, 2]
    spec = charts.batch_trend(df, ["posts", "queue_size"], title="t").to_dict()
    posts = [r["value"] for r in _data(spec) if r["measure"] == "Posts"]
    assert posts == df["posts"].astype(float).tolist()
    assert posts[1] - posts[0] == 4          # batch 2 added the four formula posts


def test_policy_thresholds_reach_the_charts():
    policy = Policy(score_good=90, score_watch=70)
    dist = pd.DataFrame({"score": ["quality"] * 3, "bucket": [60, 70, 90], "posts": [1, 2, 3]})
    spec = charts.score_distribution(dist, "quality", good=policy.good("quality"), watch=policy.watch("quality"))
    assert [r["band"] for r in _data(spec.to_dict())] == ["poor", "watch", "good"]
