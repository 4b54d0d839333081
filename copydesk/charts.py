"""Altair charts for the Scores & trends page.

Every function takes a small, already-aggregated DataFrame (the result of one of
the ``queries/trends/`` queries) and returns an Altair chart; nothing here
touches the database, so a chart is tested through ``chart.to_dict()``.

Rules every chart keeps:

* **Colours mean the policy, not the data.**  Scores are coloured by the policy's
  bands (good / watch / poor from ``[scores]``), review ages by the freshness band
  they fall in (``[freshness]``); shares use a fixed 0-100 % scale.  No scale is
  stretched to the data's minimum and maximum.
* **Every bucket is on the axis**, empty ones too, and a missing value is never
  drawn as 0: the queries count it apart and the page says how many there are.
* **Counts are on the marks** (bar segments, heatmap cells) or in the tooltip.

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
SCORE_BANDS = ("good", "watch", "poor")
SCORE_BAND_COLORS = {"good": "#2e7d32", "watch": "#f9a825", "poor": "#c62828"}
QUALITY_BANDS = (*SCORE_BANDS, "no score")
QUALITY_BAND_COLORS = {**SCORE_BAND_COLORS, "no score": "#bdbdbd"}
FRESHNESS_BANDS = ("fresh", "aging", "stale", "never")
FRESHNESS_BAND_COLORS = {"fresh": "#2e7d32", "aging": "#f9a825", "stale": "#c62828", "never": "#616161"}
# Review coverage adds "unknown": no review known by that date (the first known one is later).
COVERAGE_BANDS = (*FRESHNESS_BANDS, "unknown")
COVERAGE_BAND_COLORS = {**FRESHNESS_BAND_COLORS, "unknown": "#d9d9d9"}
STALE_SHADES = ("#e57373", "#c62828", "#7f0000")        # successive stale review-age bands: darker
DECISIONS = ("approve", "needs_edits", "merge", "unpublish", "snooze", "reopen")
DECISION_COLORS = {"approve": "#2e7d32", "needs_edits": "#f9a825", "merge": "#1565c0", "unpublish": "#6d4c41",
                   "snooze": "#9e9e9e", "reopen": "#8e24aa"}
NEUTRAL = "#4e79a7"
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
# The policy score (``Policy.good(metric)``) whose bands colour each breakdown measure.
MEASURE_METRIC = {"mean_quality": "quality", "median_quality": "quality", "mean_freshness": "freshness",
                  "mean_computed_freshness": "freshness", "mean_depth": "depth", "mean_clarity": "clarity"}


def _pick(fields: list[str]) -> alt.Parameter:
    return alt.selection_point(name=PICK, fields=fields, on="click", clear="dblclick")


def _fixed(colors: dict, title: str, **legend) -> dict:
    """A colour encoding's scale and legend for a fixed category -> colour mapping."""
    return {"title": title, "scale": alt.Scale(domain=list(colors), range=list(colors.values())),
            "legend": alt.Legend(**legend) if legend else alt.Legend()}


def score_band(value: float, good: int, watch: int) -> str:
    """The band a score falls in: ``good`` (>= good), ``watch`` (>= watch) or ``poor``."""
    if value >= good:
        return "good"
    return "watch" if value >= watch else "poor"


def bucket_label(bucket: int) -> str:
    """``80`` -> ``"80-89"``; the top bucket holds 100 as well (``"90-100"``)."""
    bucket = int(bucket)
    return f"{bucket}-100" if bucket >= 90 else f"{bucket}-{bucket + 9}"


BUCKETS = tuple(bucket_label(b) for b in range(0, 100, 10))


def missing_count(df: pd.DataFrame, score: str) -> int:
    """Posts without a value of ``score`` (the ``no value`` row of ``trends/score_distribution``)."""
    rows = df[(df["score"] == score) & df["bucket"].isna()]
    return int(rows["posts"].sum()) if len(rows) else 0


def score_distribution(df: pd.DataFrame, score: str = "quality", *, good: int = 80, watch: int = 60) -> alt.LayerChart:
    """Posts per 10-point bucket of one score (``trends/score_distribution`` rows), every bucket on the
    axis, coloured by the policy's score band of the bucket's lower edge, the count on each bar.
    Posts without a value are not drawn (the subtitle says how many)."""
    d = df[(df["score"] == score) & df["bucket"].notna()][["bucket", "posts"]].copy()
    d["bucket"] = d["bucket"].astype(int)
    d["range"] = d["bucket"].map(bucket_label)
    # A bucket is coloured by its lower edge (thresholds are policy settings, not multiples of 10).
    d["band"] = [score_band(b, good, watch) for b in d["bucket"]]
    missing = missing_count(df, score) if "score" in df.columns and len(df) else 0
    name = SCORE_LABELS.get(score, score)
    subtitle = (f"{missing:,} posts without a value are not drawn" if score != "computed_freshness"
                else f"{missing:,} never-reviewed posts (no computed freshness) are not drawn") if missing else ""
    pick = _pick(["bucket"])
    base = alt.Chart(d).encode(
        x=alt.X("range:N", sort=list(BUCKETS), scale=alt.Scale(domain=list(BUCKETS)), title=f"{name} score"),
        y=alt.Y("posts:Q", title="Posts"),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("band:N", **_fixed(SCORE_BAND_COLORS, "Band (policy)")),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
        tooltip=[alt.Tooltip("range:N", title="Score"), alt.Tooltip("posts:Q", title="Posts", format=","),
                 alt.Tooltip("band:N", title="Band")],
    ).add_params(pick)
    counts = base.mark_text(dy=-6, fontSize=10).encode(text=alt.Text("posts:Q", format=","))
    return alt.layer(bars, counts).properties(title=alt.TitleParams(f"{name}: posts per score bucket",
                                                                    subtitle=subtitle))


def breakdown_bars(df: pd.DataFrame, dim: str, measure: str = "mean_quality", *, good: int = 80, watch: int = 60,
                   max_bars: int = 30) -> alt.Chart:
    """One bar per site / stack / difficulty / status (``trends/breakdown`` rows), largest groups first.

    Colour: a score measure by the band its value falls in under the policy (``good``/``watch`` of
    that score); the stale share on a fixed 0-100 % red scale; post counts in one neutral colour."""
    d = df.sort_values(["posts", "key"], ascending=[False, True]).head(max_bars).copy()
    label = MEASURE_LABELS.get(measure, measure)
    fmt = ".0%" if measure == "stale_share" else ".1f"
    pick = _pick(["key"])
    if measure in MEASURE_METRIC:
        d["band"] = [None if pd.isna(v) else score_band(v, good, watch) for v in d[measure]]
        color = alt.Color("band:N", **_fixed(SCORE_BAND_COLORS, "Band (policy)"))
    elif measure == "stale_share":
        color = alt.Color("stale_share:Q", title="Stale share", legend=alt.Legend(format=".0%"),
                          scale=alt.Scale(domain=[0, 1], range=["#fde0dd", "#7f0000"]))
    else:
        color = alt.value(NEUTRAL)
    extra = [alt.Tooltip(c, title=MEASURE_LABELS.get(c, c), format=".0%" if c == "stale_share" else ".1f")
             for c in ("mean_quality", "mean_computed_freshness", "stale_share") if c in d.columns and c != measure]
    return (
        alt.Chart(d, title=f"{label} by {dim}")
        .mark_bar()
        .encode(
            y=alt.Y("key:N", sort="-x" if measure != "posts" else None, title=dim.capitalize()),
            x=alt.X(f"{measure}:Q", title=label,
                    scale=alt.Scale(domain=[0, 1]) if measure == "stale_share" else
                    alt.Scale(domain=[0, 100]) if measure in MEASURE_METRIC else alt.Scale(),
                    axis=alt.Axis(format=".0%") if measure == "stale_share" else alt.Axis()),
            color=color,
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
    """Each stack's posts per freshness band (``trends/staleness_by_stack`` rows); stalest stacks on top.

    A cell's hue is its band's (fresh green … stale red, never grey), its strength the share of the
    stack's posts (fixed 0-100 %), and it carries its count and share."""
    d = df.copy()
    d["cell"] = [f"{p:,} · {s:.0%}" for p, s in zip(d["posts"], d["share"])]
    order = (d.drop_duplicates("stack").sort_values(["stack_stale_share", "stack"], ascending=[False, True])["stack"]
             .tolist())
    pick = _pick(["stack", "band"])
    base = alt.Chart(d).encode(
        y=alt.Y("stack:N", sort=order, title="Stack"),
        x=alt.X("band:N", sort=list(FRESHNESS_BANDS), scale=alt.Scale(domain=list(FRESHNESS_BANDS)),
                title="Freshness band (policy)"),
    )
    rect = base.mark_rect(stroke="black").encode(
        color=alt.Color("band:N", **_fixed(FRESHNESS_BAND_COLORS, "Band")),
        opacity=alt.Opacity("share:Q", scale=alt.Scale(domain=[0, 1], range=[0.12, 1]), title="Share of stack",
                            legend=alt.Legend(format=".0%")),
        strokeWidth=alt.condition(pick, alt.value(2), alt.value(0), empty=False),
        tooltip=[alt.Tooltip("stack:N", title="Stack"), alt.Tooltip("band:N", title="Band"),
                 alt.Tooltip("posts:Q", title="Posts", format=","), alt.Tooltip("share:Q", title="Share", format=".0%"),
                 alt.Tooltip("stack_posts:Q", title="Posts in stack", format=","),
                 alt.Tooltip("stack_stale_share:Q", title="Stack stale share", format=".0%")],
    ).add_params(pick)
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("cell:N"),
        color=alt.condition(alt.datum.share > 0.5, alt.value("white"), alt.value("black")),
    )
    return alt.layer(rect, text).properties(
        title="Staleness by stack: each stack's posts per freshness band (count · share)")


# --- are we keeping up? -----------------------------------------------------------------------

def review_coverage(df: pd.DataFrame, site: str | None = None) -> alt.Chart:
    """Share of posts per band at each month end (``trends/review_coverage`` rows): all sites, or one."""
    d = df[df["all_sites"]] if site is None else df[(~df["all_sites"]) & (df["site"] == site)]
    d = d[["month_end", "band", "posts", "share"]].copy()
    d["month"] = pd.to_datetime(d["month_end"]).dt.strftime("%Y-%m")
    months = sorted(d["month"].unique())
    d["order"] = d["band"].map({b: i for i, b in enumerate(COVERAGE_BANDS)})
    where = "all sites" if site is None else f"site {site}"
    return (
        alt.Chart(d, title=alt.TitleParams(f"Review coverage at each month end ({where})",
                                           subtitle="Band under the policy as of that date"))
        .mark_bar()
        .encode(
            x=alt.X("month:O", sort=months, title="Month end"),
            y=alt.Y("posts:Q", stack="normalize", title="Share of posts", axis=alt.Axis(format=".0%"),
                    scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("band:N", **_fixed(COVERAGE_BAND_COLORS, "Band")),
            order=alt.Order("order:Q"),
            tooltip=[alt.Tooltip("month_end:T", title="Month end", format="%Y-%m-%d"),
                     alt.Tooltip("band:N", title="Band"), alt.Tooltip("posts:Q", title="Posts", format=","),
                     alt.Tooltip("share:Q", title="Share", format=".1%")],
        )
    )


def review_throughput(df: pd.DataFrame) -> alt.Chart:
    """Review decisions per week, stacked by kind (``trends/review_throughput`` rows: every week)."""
    d = df.copy()
    d["week"] = pd.to_datetime(d["week"]).dt.strftime("%Y-%m-%d")
    weeks = sorted(d["week"].unique())
    short = "slice(datum.value, 5)"          # "06-30": the tooltip has the year
    d["order"] = d["decision"].map({k: i for i, k in enumerate(DECISIONS)})
    return (
        alt.Chart(d, title="Review decisions per week")
        .mark_bar()
        .encode(
            x=alt.X("week:O", sort=weeks, title="Week starting (Monday, UTC)",
                    axis=alt.Axis(labelExpr=short, labelAngle=-45, labelOverlap="greedy")),
            y=alt.Y("decisions:Q", stack="zero", title="Decisions"),
            color=alt.Color("decision:N", **_fixed(DECISION_COLORS, "Decision")),
            order=alt.Order("order:Q"),
            tooltip=[alt.Tooltip("week:O", title="Week starting"), alt.Tooltip("decision:N", title="Decision"),
                     alt.Tooltip("decisions:Q", title="Decisions", format=",")],
        )
    )


def queue_trend(history: pd.DataFrame, clears_on=None) -> alt.LayerChart:
    """Open-queue size over time (``trends.queue_history``: ``date``, ``queue_size``, ``source``), with
    the projection to ``clears_on`` (dashed, down to 0) when the queue shrinks."""
    d = history.copy()
    d["date"] = pd.to_datetime(d["date"])
    base = alt.Chart(d).encode(
        x=alt.X("date:T", title="Date"), y=alt.Y("queue_size:Q", title="Posts in the queue", scale=alt.Scale(zero=True)))
    layers = [base.mark_line(color=NEUTRAL),
              base.mark_point(filled=True, size=60, color=NEUTRAL).encode(
                  tooltip=[alt.Tooltip("date:T", title="Date", format="%Y-%m-%d"),
                           alt.Tooltip("queue_size:Q", title="In the queue", format=","),
                           alt.Tooltip("source:N", title="Recorded")])]
    if clears_on is not None and len(d):
        last = d.iloc[-1]
        proj = pd.DataFrame({"date": [last["date"], pd.Timestamp(clears_on)], "queue_size": [last["queue_size"], 0],
                             "source": ["now", "projected"]})
        layers.append(alt.Chart(proj).mark_line(strokeDash=[6, 4], color="#757575").encode(
            x="date:T", y="queue_size:Q",
            tooltip=[alt.Tooltip("date:T", title="Date", format="%Y-%m-%d"), alt.Tooltip("source:N", title="")]))
    return alt.layer(*layers).properties(title="Open review queue")


# --- is quality better or worse? --------------------------------------------------------------

def age_band_colors(bands: pd.DataFrame, aging_after_days: int, stale_after_days: int) -> dict:
    """A colour per review-age band (``age_band``, ``age_min``, ``age_max`` rows), anchored to the
    policy: a band is coloured by the freshness band its OLDEST posts fall in (fresh, aging, stale;
    successive stale bands darker), never-reviewed grey."""
    out, stale_seen = {}, 0
    for row in bands.drop_duplicates("age_band").sort_values("age_rank").itertuples():
        if pd.isna(row.age_min):
            out[row.age_band] = FRESHNESS_BAND_COLORS["never"]
        elif not pd.isna(row.age_max) and row.age_max < aging_after_days:
            out[row.age_band] = FRESHNESS_BAND_COLORS["fresh"]
        elif not pd.isna(row.age_max) and row.age_max <= stale_after_days:
            out[row.age_band] = FRESHNESS_BAND_COLORS["aging"]
        else:
            out[row.age_band] = STALE_SHADES[min(stale_seen, len(STALE_SHADES) - 1)]
            stale_seen += 1
    return out


def _stacked_shares(d: pd.DataFrame, y: str, y_title: str, y_sort: list, color: alt.Color, order: str,
                    fields: list[str], tooltip: list, title) -> alt.LayerChart:
    """Horizontal 100 % stacked bars with each segment's count written on it (when wide enough)."""
    pick = _pick(fields)
    base = alt.Chart(d).encode(
        y=alt.Y(f"{y}:N", sort=y_sort, title=y_title, axis=alt.Axis(labelLimit=320)),
        x=alt.X("posts:Q", stack="normalize", title="Share of posts", axis=alt.Axis(format=".0%")),
        order=alt.Order(f"{order}:Q"),
    )
    bars = base.mark_bar().encode(color=color, opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
                                  tooltip=tooltip).add_params(pick)
    counts = base.mark_text(align="right", dx=-3, fontSize=10, color="black").encode(
        text=alt.Text("posts:Q", format=","),
    ).transform_filter(alt.datum.share >= 0.06)
    return alt.layer(bars, counts).properties(title=title)


def quality_by_review_age(df: pd.DataFrame) -> alt.LayerChart:
    """Quality bands (good / watch / poor under the policy, no score) per review-age band
    (``trends/quality_by_review_age`` rows: every band), with counts and each band's median quality."""
    d = df.copy()
    d["row"] = [f"{b} ({n:,} posts, median {'—' if pd.isna(m) else f'{m:.0f}'})"
                for b, n, m in zip(d["age_band"], d["band_posts"], d["median_quality"])]
    rows = d.sort_values("age_rank").drop_duplicates("age_rank")["row"].tolist()
    d["order"] = d["quality_band"].map({b: i for i, b in enumerate(QUALITY_BANDS)})
    tooltip = [alt.Tooltip("age_band:N", title="Last reviewed"), alt.Tooltip("quality_band:N", title="Quality"),
               alt.Tooltip("posts:Q", title="Posts", format=","), alt.Tooltip("share:Q", title="Share", format=".1%")]
    return _stacked_shares(
        d, "row", "Last reviewed", rows, alt.Color("quality_band:N", **_fixed(QUALITY_BAND_COLORS, "Quality (policy)")),
        "order", ["age_band", "age_min", "age_max", "quality_band"], tooltip,
        alt.TitleParams("Quality by time since the last review", subtitle="Share of each review-age band's posts; "
                        "count on each segment"))


def review_age_bars(df: pd.DataFrame, dim: str, *, aging_after_days: int, stale_after_days: int) -> alt.LayerChart:
    """Posts per review-age band for each site or stack (``trends/review_age_bands`` rows), largest first,
    as 100 % stacked bars with counts; colours anchored to the policy (:func:`age_band_colors`)."""
    d = df.copy()
    d["row"] = [f"{k} ({n:,})" for k, n in zip(d["key"], d["key_posts"])]
    rows = d.drop_duplicates("key").sort_values(["key_posts", "key"], ascending=[False, True])["row"].tolist()
    colors = age_band_colors(d, aging_after_days, stale_after_days)
    tooltip = [alt.Tooltip("key:N", title=dim.capitalize()), alt.Tooltip("age_band:N", title="Last reviewed"),
               alt.Tooltip("posts:Q", title="Posts", format=","), alt.Tooltip("share:Q", title="Share", format=".1%")]
    return _stacked_shares(
        d, "row", f"{dim.capitalize()} (posts)", rows, alt.Color("age_band:N", **_fixed(colors, "Last reviewed")),
        "age_rank", ["key", "age_band", "age_min", "age_max"], tooltip,
        alt.TitleParams(f"Time since the last review, by {dim}", subtitle="Share of each group's posts; count on "
                        "each segment; colours: the policy band of each age range's oldest posts"))
