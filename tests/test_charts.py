"""Charts are functions DataFrame -> Altair chart; checked through chart.to_dict() on real query results."""

from __future__ import annotations

import pandas as pd
import pytest

from copydesk import charts, db as dbmod, trends
from trends_support import AS_OF, make_db


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


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    path = make_db(tmp_path_factory.mktemp("charts") / "c.duckdb", 1500, snapshots=True)
    policy = trends.load_policy()
    with dbmod.session(path, read_only=True) as con:
        out = {name: trends.run(con, name, policy, {}, AS_OF, **extra) for name, extra in [
            ("trends/score_distribution", {}), ("trends/scores_by_month", {}), ("trends/staleness_by_stack", {"max_stacks": 5}),
        ]}
        out["breakdown"] = trends.run(con, "trends/breakdown", policy, {}, AS_OF, dim="stack")
        out["batches"] = trends.batch_trend(con)
    return out


def test_score_distribution_colours_buckets_by_policy_bands(results):
    dist = results["trends/score_distribution"]
    spec = charts.score_distribution(dist, "quality", good=70, watch=40).to_dict()
    rows = _data(spec)
    quality = dist[dist["score"] == "quality"]
    assert sorted(r["bucket"] for r in rows) == sorted(quality["bucket"].tolist())
    assert sum(r["posts"] for r in rows) == int(quality["posts"].sum())
    band = {r["bucket"]: r["band"] for r in rows}
    assert band[70] == "good" and band[90] == "good"
    assert band[40] == "watch" and band[60] == "watch"
    assert band[30] == "poor" and band[0] == "poor"
    assert {r["range"] for r in rows} >= {"0-9", "90-100"}
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["color"]["scale"]["domain"] == ["good", "watch", "poor"]
    assert charts.PICK in _params(spec)


def test_score_distribution_of_computed_freshness_uses_its_own_rows(results):
    dist = results["trends/score_distribution"]
    rows = _data(charts.score_distribution(dist, "computed_freshness").to_dict())
    expected = dist[dist["score"] == "computed_freshness"]
    assert sum(r["posts"] for r in rows) == int(expected["posts"].sum())


def test_breakdown_bars_keep_the_largest_groups_and_are_clickable(results):
    df = results["breakdown"]
    spec = charts.breakdown_bars(df, "stack", "stale_share", max_bars=3).to_dict()
    rows = _data(spec)
    assert len(rows) == 3
    assert [r["key"] for r in rows] == df.sort_values(["posts", "key"], ascending=[False, True])["key"].head(3).tolist()
    assert spec["encoding"]["x"]["field"] == "stale_share"
    assert spec["encoding"]["x"]["axis"]["format"] == ".0%"
    assert charts.PICK in _params(spec)
    assert spec["params"][0]["select"]["fields"] == ["key"]


def test_monthly_trend_has_a_point_per_month_and_measure(results):
    df = results["trends/scores_by_month"]
    measures = ["mean_quality", "mean_computed_freshness"]
    spec = charts.monthly_trend(df, measures).to_dict()
    rows = _data(spec)
    assert len(rows) == len(df) * 2
    assert {r["measure"] for r in rows} == {"Mean quality", "Mean freshness (computed)"}
    assert [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
            for layer in _layers(spec)] == ["line", "point"]
    assert charts.PICK in _params(spec)


def test_batch_trend_plots_each_snapshot(results):
    df = results["batches"]
    assert df["batch_id"].tolist() == [1, 2]
    spec = charts.batch_trend(df, ["posts", "queue_size"], title="t").to_dict()
    rows = _data(spec)
    posts = [r["value"] for r in rows if r["measure"] == "Posts"]
    assert posts == df["posts"].astype(float).tolist()
    assert posts[1] - posts[0] == 4          # batch 2 added the four formula posts


def test_staleness_heatmap_puts_the_stalest_stack_on_top(results):
    df = results["trends/staleness_by_stack"]
    assert df["stack"].nunique() == 5
    spec = charts.staleness_heatmap(df).to_dict()
    y_sort = _layers(spec)[0]["encoding"]["y"]["sort"]
    stalest = df.sort_values(["stack_stale_share", "stack"], ascending=[False, True])["stack"].iloc[0]
    assert y_sort[0] == stalest
    assert _layers(spec)[0]["encoding"]["x"]["sort"] == ["fresh", "aging", "stale", "never"]
    assert len(_data(spec)) == len(df)


def test_score_band_and_bucket_label():
    assert charts.score_band(80, 80, 60) == "good"
    assert charts.score_band(79, 80, 60) == "watch"
    assert charts.score_band(59, 80, 60) == "poor"
    assert charts.bucket_label(0) == "0-9" and charts.bucket_label(90) == "90-100"


def test_empty_frames_still_make_a_chart():
    empty = pd.DataFrame({"score": pd.Series([], dtype="str"), "bucket": pd.Series([], dtype="int"),
                          "posts": pd.Series([], dtype="int")})
    spec = charts.score_distribution(empty, "quality").to_dict()
    assert _data(spec) == []
