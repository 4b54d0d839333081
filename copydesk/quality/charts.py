"""Altair charts of the Quality page: DataFrame in, chart out (tested through ``chart.to_dict()``).

The conventions of :mod:`copydesk.charts` hold: colours mean the policy (a point is red when its
recorded and computed quality are ``disagreement_margin`` or more apart), every bucket is on the
axis, counts are in the tooltips.  The scatter carries a point selection named :data:`PICK_POST`
on ``post_id``: ``st.altair_chart(chart, on_select=..., selection_mode=PICK_POST)`` hands the
page the clicked post.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

PICK_POST = "pick_post"
AGREE, DISAGREE = "within the margin", "disagree"
KIND_COLORS = {"computed": "#4e79a7", "recorded": "#bab0ac"}
SUB_SCORES = ("readability", "structure", "originality", "consistency", "substance")


def quality_scatter(points: pd.DataFrame, margin: int) -> alt.LayerChart:
    """Recorded (x) against computed (y) quality, one point per post of ``points`` (``quality/page_points``):
    red where they are ``margin`` or more apart, the diagonal and the margin band drawn; a click picks the post."""
    d = points.assign(agreement=[DISAGREE if x else AGREE for x in points["disagrees"]]) if len(points) else \
        pd.DataFrame(columns=["post_id", "site", "title", "recorded_quality", "computed_quality", "gap", "agreement"])
    pick = alt.selection_point(name=PICK_POST, fields=["post_id"], on="click", clear="dblclick")
    size = 36 if len(d) > 300 else 100          # few points: larger, easier to click
    scale = alt.Scale(domain=[0, 100])
    base = alt.Chart(d)
    points_layer = base.mark_circle(size=size, opacity=0.7).encode(
        x=alt.X("recorded_quality:Q", title="Recorded quality (page dump)", scale=scale),
        y=alt.Y("computed_quality:Q", title="Computed quality (copydesk)", scale=scale),
        color=alt.Color("agreement:N", title=f"|recorded − computed| ≥ {margin}",
                        scale=alt.Scale(domain=[AGREE, DISAGREE], range=["#9e9e9e", "#c62828"])),
        tooltip=[alt.Tooltip("post_id:N", title="post"), alt.Tooltip("site:N"), alt.Tooltip("title:N"),
                 alt.Tooltip("recorded_quality:Q", title="recorded"),
                 alt.Tooltip("computed_quality:Q", title="computed"), alt.Tooltip("gap:Q", title="recorded − computed")],
        size=alt.condition(pick, alt.value(size * 3), alt.value(size)),
    ).add_params(pick)
    band = pd.DataFrame({"x": [0, 100], "y": [0, 100], "lo": [-margin, 100 - margin], "hi": [margin, 100 + margin]})
    area = alt.Chart(band).mark_area(opacity=0.08, color="#2e7d32", clip=True).encode(
        x="x:Q", y=alt.Y("lo:Q", scale=scale), y2="hi:Q")
    diagonal = alt.Chart(band).mark_line(color="#2e7d32", strokeDash=[4, 4]).encode(x="x:Q", y="y:Q")
    return alt.layer(area, diagonal, points_layer).properties(height=380)


def quality_distribution(dist: pd.DataFrame) -> alt.Chart:
    """Posts per 10-point bucket of computed and of recorded quality (``quality/page_distribution``), side by side."""
    d = dist.assign(label=[f"{b}–{b + 9 if b < 90 else 100}" for b in dist["bucket"]])
    order = [f"{b}–{b + 9 if b < 90 else 100}" for b in range(0, 100, 10)]
    return alt.Chart(d).mark_bar().encode(
        x=alt.X("label:N", title="Quality", sort=order),
        xOffset=alt.XOffset("kind:N", sort=["computed", "recorded"]),
        y=alt.Y("posts:Q", title="Posts"),
        color=alt.Color("kind:N", title="Quality", scale=alt.Scale(domain=list(KIND_COLORS),
                                                                  range=list(KIND_COLORS.values()))),
        tooltip=["kind:N", alt.Tooltip("label:N", title="bucket"), alt.Tooltip("posts:Q", format=",")],
    ).properties(height=260)


def sub_score_heatmap(breakdown: pd.DataFrame, dim: str) -> alt.LayerChart:
    """Mean sub-scores (and computed / recorded quality) per site or stack (``quality/page_breakdown``),
    on the fixed 0–100 scale."""
    cols = ["computed_quality", "recorded_quality", *SUB_SCORES]
    d = breakdown.melt(id_vars=["key", "posts"], value_vars=cols, var_name="measure", value_name="mean")
    d["measure"] = d["measure"].str.replace("_quality", "")
    names = [c.replace("_quality", "") for c in cols]
    base = alt.Chart(d).encode(
        x=alt.X("measure:N", title=None, sort=names, axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("key:N", title=dim, sort=list(breakdown["key"]), axis=alt.Axis(labelLimit=220)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("mean:Q", title="Mean (0–100)", scale=alt.Scale(domain=[0, 100], scheme="redyellowgreen")),
        tooltip=[alt.Tooltip("key:N", title=dim), "measure:N", alt.Tooltip("mean:Q", format=".1f"),
                 alt.Tooltip("posts:Q", format=",")],
    )
    # (a group without a value, e.g. no recorded quality: an empty cell, no text)
    text = base.mark_text(fontSize=11).encode(text=alt.Text("mean:Q", format=".0f")).transform_filter(
        "isValid(datum.mean)")
    return alt.layer(cells, text).properties(height=alt.Step(24))   # a row of 24 px each, however many


def quality_trend(trend: pd.DataFrame) -> alt.Chart:
    """Mean computed and recorded quality after each import batch (``quality/batch_trend``)."""
    d = trend.melt(id_vars=["batch_id"], value_vars=["mean_computed_quality", "mean_recorded_quality"],
                   var_name="measure", value_name="mean")
    d["measure"] = d["measure"].map({"mean_computed_quality": "computed", "mean_recorded_quality": "recorded"})
    return alt.Chart(d).mark_line(point=True).encode(
        x=alt.X("batch_id:O", title="Import batch"),
        y=alt.Y("mean:Q", title="Mean quality", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("measure:N", title="Quality", scale=alt.Scale(domain=list(KIND_COLORS),
                                                                     range=list(KIND_COLORS.values()))),
        tooltip=["batch_id:O", "measure:N", alt.Tooltip("mean:Q", format=".1f")],
    ).properties(height=240)
