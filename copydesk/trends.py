"""Quality and freshness trends: filtered aggregations and per-import-batch snapshots.

Every aggregation is one named query in ``queries/trends/`` built on the
``review/post_freshness`` query of :mod:`copydesk.freshness` (``{{posts}}``), so filters,
computed freshness and freshness bands mean exactly what they mean on the queue
pages.  "Stale" here means band ``stale`` or ``never`` (not reviewed within the
policy's ``stale_after_days``, or never reviewed).

Trends across imports need the state of the corpus after each import; the
importer calls :func:`record_batch_snapshot` at the end of every batch, which
stores the headline figures in ``batch_metrics`` (corpus-wide) and
``batch_site_metrics`` (per site).
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from . import freshness, hooks, queries

SCORES = ("quality", "freshness", "depth", "clarity", "computed_freshness")
DIMENSIONS = ("site", "stack", "difficulty", "status")
# The filter keys trends and exports understand (a subset of freshness.filter_params' keys).
FILTER_KEYS = ("site", "stack", "status", "difficulty", "band", "reviewed_from", "reviewed_to")
HEADLINE_FIELDS = ("posts", "queue_size", "stale_share", "median_quality", "duplicate_clusters")


def load_policy(path=None) -> freshness.Policy:
    """The review policy in force (``policy.toml`` / ``$COPYDESK_POLICY``, else defaults)."""
    return freshness.load_policy(path)


def clean_filters(filters: dict | None) -> dict:
    """Only the known, non-empty post filters (``as_of`` and drill-down keys are passed separately)."""
    out = {}
    for key in FILTER_KEYS:
        value = (filters or {}).get(key)
        if value is None or value == "" or (isinstance(value, (list, tuple, set)) and not value):
            continue
        if key in ("reviewed_from", "reviewed_to") and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        out[key] = list(value) if isinstance(value, (tuple, set)) else value
    return out


def statement(name: str, policy, filters: dict | None, as_of: dt.date | None, *, posts: str | None = None,
              **extra) -> queries.Statement:
    """A ``trends/`` (or ``export/``) query over ``{{posts}}`` — the filtered posts with their freshness
    (``review/post_freshness``), or the rows of another query named by ``posts``."""
    params = {**freshness.params(policy, clean_filters(filters), as_of or dt.date.today()), **extra}
    return queries.statement(name, params, parts={"posts": posts} if posts else None)


def run(con, name: str, policy, filters: dict | None = None, as_of: dt.date | None = None, *,
        posts: str | None = None, **extra) -> pd.DataFrame:
    """Execute a ``{{posts}}`` query (see :func:`statement`) and return its (small) result."""
    return statement(name, policy, filters, as_of, posts=posts, **extra).df(con)


MATERIALISED = "trends/_materialised"


def materialise(con, policy, filters: dict | None, as_of: dt.date) -> str:
    """Compute post-freshness for the filters ONCE into a narrow connection-local TEMP table; returns
    the query reading it (pass it as ``posts`` so several aggregations share that work)."""
    statement("trends/materialise", policy, filters, as_of).execute(con)
    return MATERIALISED


PAGE_AGGREGATES = (
    ("distribution", "trends/score_distribution", {}),
    ("by_month", "trends/scores_by_month", {}),
    ("heatmap", "trends/staleness_by_stack", {"max_stacks": 25}),
)


def page_figures(con, policy, filters: dict | None, as_of: dt.date, dims: tuple = ()) -> dict:
    """Every aggregate the scores page draws for these filters, from one pass over post-freshness:
    ``headline`` (dict), ``distribution``, ``by_month``, ``heatmap`` (DataFrames); and
    ``by_<dim>`` for each of ``dims`` (site, stack, difficulty, status)."""
    part = materialise(con, policy, filters, as_of)
    out: dict = {"headline": headline(con, policy, filters, as_of, posts=part)}
    for key, name, extra in PAGE_AGGREGATES:
        out[key] = run(con, name, policy, filters, as_of, posts=part, **extra)
    for dim in dims:
        out[f"by_{dim}"] = run(con, "trends/breakdown", policy, filters, as_of, posts=part, dim=dim)
    return out


def posts_count(con, policy, filters: dict | None, as_of: dt.date, **drill) -> int:
    """How many posts the ``posts`` export holds under the filters and a drill-down (``score_name``,
    ``score_min``, ``score_max``, ``batch_id``)."""
    from . import export
    rows = export.export_sql(con, "posts", filters, as_of, policy, **drill)
    return int(queries.statement("export/_count_rows", parts={"rows": rows}).scalar(con))


def posts_page(con, policy, filters: dict | None, as_of: dt.date, *, limit: int = 200, **drill) -> pd.DataFrame:
    """The first ``limit`` posts (by post id) of the ``posts`` export under the filters and a drill-down."""
    from . import export
    rows = export.export_sql(con, "posts", filters, as_of, policy, **drill)
    return queries.statement("trends/_posts_page", {"limit": int(limit)}, parts={"rows": rows}).df(con)


def table_names(con) -> set[str]:
    return {r[0] for r in queries.run(con, "schema/table_names").fetchall()}


def queue_size(con, policy, as_of: dt.date, filters: dict | None = None) -> int | None:
    """Posts in the review queue (``copydesk.queue.queue_count``); None when the database has no
    review tables (a read-only database of an older layout)."""
    from . import queue
    if "review_state" not in table_names(con):
        return None
    return int(queue.queue_count(con, policy, as_of, clean_filters(filters)))


def duplicate_counts(con) -> dict:
    """Near-duplicate pairs and clusters (``copydesk.duplicates``); None values when detection never ran."""
    if not {"near_duplicates", "duplicate_clusters", "duplicate_runs"} <= table_names(con):
        return {"near_duplicate_pairs": None, "duplicate_clusters": None}
    pairs, clusters, runs = queries.run(con, "trends/duplicate_counts").fetchall()[0]
    if not runs:
        return {"near_duplicate_pairs": None, "duplicate_clusters": None}
    return {"near_duplicate_pairs": int(pairs), "duplicate_clusters": int(clusters)}


def _clean(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    return value


def headline(con, policy, filters: dict | None = None, as_of: dt.date | None = None, *,
             posts: str | None = None) -> dict:
    """Headline figures now, for the filters and as-of date (one aggregation over post-freshness)."""
    as_of = as_of or dt.date.today()
    row = run(con, "trends/headline", policy, filters, as_of, posts=posts).to_dict("records")[0]
    out = {k: _clean(v) for k, v in row.items()}
    out["queue_size"] = queue_size(con, policy, as_of, filters)
    out.update(duplicate_counts(con))
    return out


@hooks.after_import(order=90)
def record_batch_snapshot(con, batch_id: int, as_of: dt.date | None = None, policy=None) -> dict:
    """Store the corpus's headline figures after import batch ``batch_id`` (replaces an earlier snapshot).

    Called by the importer at the end of each batch run, on its own connection:
    ``trends.record_batch_snapshot(con, batch_id)``.  Returns the stored figures.
    """
    as_of = as_of or dt.date.today()
    policy = policy or load_policy()
    figures = headline(con, policy, None, as_of)
    snapshot = pd.DataFrame([{
        "batch_id": int(batch_id),
        "recorded_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0),
        "as_of": as_of,
        **{k: figures.get(k) for k in (
            "posts", "queue_size", "stale_posts", "stale_share", "median_quality", "mean_quality",
            "mean_freshness", "mean_depth", "mean_clarity", "mean_computed_freshness",
            "poor_quality_posts", "near_duplicate_pairs", "duplicate_clusters")},
        "stale_after_days": int(policy.stale_after_days),
        "half_life_days": float(policy.half_life_days),
    }])
    snapshot = snapshot.astype({"queue_size": "Int64", "near_duplicate_pairs": "Int64", "duplicate_clusters": "Int64",
                                "stale_share": "Float64", "median_quality": "Float64"})
    site_snapshot = run(con, "trends/headline_by_site", policy, None, as_of)
    site_snapshot.insert(0, "batch_id", int(batch_id))
    con.register("snapshot", snapshot)
    con.register("site_snapshot", site_snapshot)
    try:
        queries.run(con, "trends/insert_snapshot")
        queries.run(con, "trends/delete_site_snapshot", batch_id=int(batch_id))
        queries.run(con, "trends/insert_site_snapshot")
    finally:
        con.unregister("snapshot")
        con.unregister("site_snapshot")
    return {k: _clean(v) for k, v in snapshot.iloc[0].to_dict().items()}


def batch_trend(con, site: str | None = None) -> pd.DataFrame:
    """Every batch snapshot, oldest first (one site's figures when ``site`` is given)."""
    if not {"batch_metrics", "batch_site_metrics", "import_batches"} <= table_names(con):
        return pd.DataFrame(columns=["batch_id", "posts", "queue_size", "stale_share", "median_quality"])
    return queries.run(con, "trends/batch_metrics", site=site).df()


def change_since_previous_batch(trend: pd.DataFrame) -> dict:
    """Latest snapshot minus the one before it, per figure; empty when fewer than two snapshots exist."""
    if len(trend) < 2:
        return {}
    last, prev = trend.iloc[-1], trend.iloc[-2]
    out = {"batch_id": int(last["batch_id"]), "previous_batch_id": int(prev["batch_id"])}
    for key in (*HEADLINE_FIELDS, "mean_computed_freshness", "stale_posts"):
        a, b = _clean(last.get(key)), _clean(prev.get(key))
        out[key] = None if a is None or b is None or pd.isna(a) or pd.isna(b) else a - b
    return out


def month_range(month: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the month containing ``month``."""
    first = dt.date(month.year, month.month, 1)
    nxt = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def intersect_range(filters: dict, start: dt.date, end: dt.date) -> dict:
    """The filters narrowed to last-reviewed dates within [start, end] (drill-down into a month)."""
    out = dict(filters)
    lo, hi = out.get("reviewed_from"), out.get("reviewed_to")
    if isinstance(lo, str):
        lo = dt.date.fromisoformat(lo)
    if isinstance(hi, str):
        hi = dt.date.fromisoformat(hi)
    out["reviewed_from"] = max(start, lo) if lo else start
    out["reviewed_to"] = min(end, hi) if hi else end
    return out


# --- from a chart to the posts behind it ----------------------------------------------------

def _point_date(value) -> dt.date:
    """A clicked temporal value: Vega sends epoch milliseconds; tests may send ISO strings or dates."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value / 1000, dt.timezone.utc).date()
    return dt.date.fromisoformat(str(value)[:10])


def drill_from_point(kind: str, point: dict, *, dim: str | None = None, score: str | None = None) -> dict | None:
    """Turn a clicked mark into a drill-down: ``{"label", "filters", "extra"}``.

    ``filters`` replace the same shared filters (a clicked stack narrows to that stack);
    ``extra`` are the ``posts`` export's own parameters (score range, batch).
    kinds: ``bucket`` (score distribution, needs ``score``), ``key`` (breakdown, needs ``dim``),
    ``month`` (scores by month), ``batch`` (import batch), ``cell`` (staleness heatmap).
    """
    if not point:
        return None
    if kind == "bucket":
        lo = int(point["bucket"])
        hi = 100 if lo >= 90 else lo + 9
        label = f"{score.replace('_', ' ')} score {lo}-{hi}"
        return {"label": label, "filters": {}, "extra": {"score_name": score, "score_min": lo, "score_max": hi}}
    if kind == "key":
        value = str(point["key"])
        return {"label": f"{dim} = {value}", "filters": {dim: [value]}, "extra": {}}
    if kind == "month":
        first, last = month_range(_point_date(point["month"]))
        return {"label": f"last reviewed in {first:%Y-%m}", "filters": {"reviewed_from": first, "reviewed_to": last},
                "extra": {}}
    if kind == "batch":
        batch = int(point["batch_id"])
        return {"label": f"imported or updated in batch {batch}", "filters": {}, "extra": {"batch_id": batch}}
    if kind == "cell":
        stack, band = str(point["stack"]), str(point["band"])
        return {"label": f"stack = {stack}, band = {band}", "filters": {"stack": [stack], "band": [band]}, "extra": {}}
    raise ValueError(f"unknown drill kind {kind!r}")


def apply_drill(filters: dict, drill: dict | None) -> tuple[dict, dict]:
    """The shared filters narrowed by a drill-down, and the ``posts`` export's extra parameters."""
    out = dict(filters)
    if not drill:
        return out, {}
    f = dict(drill.get("filters") or {})
    if "reviewed_from" in f or "reviewed_to" in f:
        out = intersect_range(out, f.pop("reviewed_from"), f.pop("reviewed_to"))
    out.update(f)
    return out, dict(drill.get("extra") or {})
