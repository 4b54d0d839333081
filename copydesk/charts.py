"""Altair charts for the scores and trends pages.

Every function takes a small, already-aggregated DataFrame (the result of one of
the ``queries/trends/`` queries) and returns an Altair chart; nothing here
touches the database, so a chart is tested through ``chart.to_dict()``.

Clickable charts carry a point selection named :data:`PICK`; with
``st.altair_chart(chart, on_select=..., selection_mode=PICK)`` the page receives
the clicked mark's fields (e.g. ``{"key": "python"}``) and shows the posts behind it.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

PICK = "pick"

SCORE_LABELS = {
    "quality": "Quality",
    "freshness": "Freshness (recorded)",
    "depth": "Depth",
    "clarity": "Clarity",
    "computed_freshness": "Freshness (computed)",
}
SCORE_BAND_COLORS = {"good": "#2e7d32", "watch": "#f9a825", "poor": "#c62828"}
FRESHNESS_BANDS = ("fresh", "aging", "stale", "never")
FRESHNESS_BAND_COLORS = {"fresh": "#2e7d32", "aging": "#f9a825", "stale": "#c62828", "never": "#757575"}
MEASURE_LABELS = {
    "mean_quality": "Mean quality",
    "mean_freshness": "Mean freshness (recorded)",
    "mean_depth": "Mean depth",
    "mean_clarity": "Mean clarity",
    "mean_computed_freshness": "Mean freshness (computed)",
    "median_quality": "Median quality",
    "stale_share": "Stale share",
    "posts": "Posts",
    "queue_size": "In review queue",
    "stale_posts": "Stale posts",
    "poor_quality_posts": "Poor-quality posts",
    "duplicate_clusters": "Near-duplicate clusters",
}


def _pick(fields: list[str]) -> alt.Parameter:
    return alt.selection_point(name=PICK, fields=fields, on="click", clear="dblclick")


def score_band(value: float, good: int, watch: int) -> str:
    """The band a score falls in: ``good`` (>= good), ``watch`` (>= watch) or ``poor``."""
    if value >= good:
        return "good"
    return "watch" if value >= watch else "poor"


def bucket_label(bucket: int) -> str:
    """``80`` -> ``"80-89"``; the top bucket holds 100 as well (``"90-100"``)."""
    bucket = int(bucket)
    return f"{bucket}-100" if bucket >= 90 else f"{bucket}-{bucket + 9}"


def score_distribution(df: pd.DataFrame, score: str = "quality", *, good: int = 80, watch: int = 60) -> alt.Chart:
    """Posts per 10-point bucket of one score, coloured by score band (``score-distribution`` rows)."""
    d = df[df["score"] == score][["bucket", "posts"]].copy()
    d["bucket"] = d["bucket"].astype(int)
    d["range"] = d["bucket"].map(bucket_label)
    # A bucket is coloured by its lower edge (thresholds are policy settings, not multiples of 10).
    d["band"] = [score_band(b, good, watch) for b in d["bucket"]]
    order = [bucket_label(b) for b in range(0, 100, 10)]
    pick = _pick(["bucket"])
    return (
        alt.Chart(d, title=f"{SCORE_LABELS.get(score, score)}: posts per score bucket")
        .mark_bar()
        .encode(
            x=alt.X("range:N", sort=order, title=f"{SCORE_LABELS.get(score, score)} score"),
            y=alt.Y("posts:Q", title="Posts"),
            color=alt.Color("band:N", title="Band",
                            scale=alt.Scale(domain=list(SCORE_BAND_COLORS), range=list(SCORE_BAND_COLORS.values()))),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
            tooltip=[alt.Tooltip("range:N", title="Score"), alt.Tooltip("posts:Q", title="Posts", format=","),
                     alt.Tooltip("band:N", title="Band")],
        )
        .add_params(pick)
    )


def breakdown_bars(df: pd.DataFrame, dim: str, measure: str = "mean_quality", *, max_bars: int = 30) -> alt.Chart:
    """One bar per site / stack / difficulty / status (``scores-breakdown`` rows), largest groups first."""
    d = df.sort_values(["posts", "key"], ascending=[False, True]).head(max_bars).copy()
    label = MEASURE_LABELS.get(measure, measure)
    fmt = ".0%" if measure == "stale_share" else ".1f"
    pick = _pick(["key"])
    extra = [alt.Tooltip(c, title=MEASURE_LABELS.get(c, c), format=".0%" if c == "stale_share" else ".1f")
             for c in ("mean_quality", "mean_computed_freshness", "stale_share") if c in d.columns and c != measure]
    return (
        alt.Chart(d, title=f"{label} by {dim}")
        .mark_bar()
        .encode(
            y=alt.Y("key:N", sort="-x" if measure != "posts" else None, title=dim.capitalize()),
            x=alt.X(f"{measure}:Q", title=label,
                    axis=alt.Axis(format=".0%") if measure == "stale_share" else alt.Axis()),
            color=alt.Color(f"{measure}:Q", legend=None, scale=alt.Scale(scheme="redyellowgreen",
                            reverse=measure == "stale_share")),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
            tooltip=[alt.Tooltip("key:N", title=dim.capitalize()), alt.Tooltip("posts:Q", title="Posts", format=","),
                     alt.Tooltip(f"{measure}:Q", title=label, format=fmt), *extra],
        )
        .add_params(pick)
    )


def _long(df: pd.DataFrame, x: str, measures: list[str]) -> pd.DataFrame:
    cols = [m for m in measures if m in df.columns]
    d = df[[x, *cols]].melt(id_vars=[x], value_vars=cols, var_name="measure", value_name="value")
    d["measure"] = d["measure"].map(lambda m: MEASURE_LABELS.get(m, m))
    return d.dropna(subset=["value"])


def monthly_trend(df: pd.DataFrame, measures: list[str] | tuple = ("mean_quality", "mean_computed_freshness",
                                                                   "mean_depth", "mean_clarity")) -> alt.LayerChart:
    """Mean scores by month of last review (``scores-by-month`` rows); click a point for that month's posts."""
    d = _long(df, "month", list(measures))
    d["month"] = pd.to_datetime(d["month"])
    posts = df[["month", "posts"]].copy()
    posts["month"] = pd.to_datetime(posts["month"])
    d = d.merge(posts, on="month", how="left")
    pick = _pick(["month"])
    base = alt.Chart(d).encode(
        x=alt.X("month:T", title="Month of last review"),
        y=alt.Y("value:Q", title="Score (0-100)", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("measure:N", title="Measure"),
    )
    tooltip = [alt.Tooltip("month:T", title="Month", format="%Y-%m"), alt.Tooltip("measure:N", title="Measure"),
               alt.Tooltip("value:Q", title="Value", format=".1f"), alt.Tooltip("posts:Q", title="Posts", format=",")]
    lines = base.mark_line()
    points = base.mark_point(filled=True, size=40).encode(
        tooltip=tooltip, opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35))).add_params(pick)
    return alt.layer(lines, points).properties(title="Scores by month of last review")


def batch_trend(df: pd.DataFrame, measures: list[str] | tuple, *, title: str, percent: bool = False) -> alt.LayerChart:
    """Figures across import batches (``batch-trend`` rows): one line per measure, a point per batch."""
    d = _long(df, "batch_id", list(measures))
    d["batch_id"] = d["batch_id"].astype(int)
    pick = _pick(["batch_id"])
    fmt = ".0%" if percent else ",.1f"
    base = alt.Chart(d).encode(
        x=alt.X("batch_id:O", title="Import batch"),
        y=alt.Y("value:Q", title=None, axis=alt.Axis(format=".0%") if percent else alt.Axis()),
        color=alt.Color("measure:N", title="Measure"),
    )
    points = base.mark_point(filled=True, size=60).encode(
        tooltip=[alt.Tooltip("batch_id:O", title="Batch"), alt.Tooltip("measure:N", title="Measure"),
                 alt.Tooltip("value:Q", title="Value", format=fmt)],
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
    ).add_params(pick)
    return alt.layer(base.mark_line(), points).properties(title=title)


def staleness_heatmap(df: pd.DataFrame) -> alt.LayerChart:
    """Share of each stack's posts per freshness band (``staleness-by-stack`` rows); stalest stacks on top."""
    d = df.copy()
    order = (d.drop_duplicates("stack").sort_values(["stack_stale_share", "stack"], ascending=[False, True])["stack"]
             .tolist())
    pick = _pick(["stack", "band"])
    base = alt.Chart(d, title="Staleness by stack: share of each stack's posts per freshness band").encode(
        y=alt.Y("stack:N", sort=order, title="Stack"),
        x=alt.X("band:N", sort=list(FRESHNESS_BANDS), title="Freshness band"),
    )
    rect = base.mark_rect().encode(
        color=alt.Color("share:Q", title="Share of stack", scale=alt.Scale(scheme="orangered", domain=[0, 1]),
                        legend=alt.Legend(format=".0%")),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.5)),
        tooltip=[alt.Tooltip("stack:N", title="Stack"), alt.Tooltip("band:N", title="Band"),
                 alt.Tooltip("posts:Q", title="Posts", format=","), alt.Tooltip("share:Q", title="Share", format=".0%"),
                 alt.Tooltip("stack_posts:Q", title="Posts in stack", format=","),
                 alt.Tooltip("stack_stale_share:Q", title="Stack stale share", format=".0%")],
    ).add_params(pick)
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("share:Q", format=".0%"),
        color=alt.condition(alt.datum.share > 0.5, alt.value("white"), alt.value("black")),
    )
    return alt.layer(rect, text)
