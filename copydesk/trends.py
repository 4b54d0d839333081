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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from typing import TYPE_CHECKING

import pyarrow as pa

from . import freshness, hooks, queries

if TYPE_CHECKING:      # pandas is imported where a DataFrame is made: the snapshot of every
    import pandas as pd  # `copydesk import` (record_batch_snapshot) makes none

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
              con=None, **extra) -> queries.Statement:
    """A ``trends/`` (or ``export/``) query over ``{{posts}}`` — the filtered posts with their freshness
    (``review/post_freshness``), or the rows of another query named by ``posts``.  Pass ``con`` to
    read a database without review tables (no decision then counts as a review)."""
    params = {**freshness.params(policy, clean_filters(filters), as_of or dt.date.today()), **extra}
    parts = {"posts": posts} if posts else {}
    if con is not None and "review_decisions" not in table_names(con):
        parts["decision_reviews"] = "review/decision_reviews_none"
    return queries.statement(name, params, parts=parts or None)


def run(con, name: str, policy, filters: dict | None = None, as_of: dt.date | None = None, *,
        posts: str | None = None, **extra) -> pd.DataFrame:
    """Execute a ``{{posts}}`` query (see :func:`statement`) and return its (small) result."""
    return statement(name, policy, filters, as_of, posts=posts, con=con, **extra).df(con)


MATERIALISED = "trends/_materialised"


def materialise(con, policy, filters: dict | None, as_of: dt.date) -> str:
    """Compute post-freshness for the filters ONCE (``trends/page_posts``, narrow columns), fetch it as
    an Arrow table and register it on the connection as ``page_posts``; returns the query reading it
    (pass it as ``posts`` so several aggregations share that work).

    Arrow rather than a TEMP table: DuckDB writes a million-row temp table (strings, lists) in
    about twice the time it takes to hand the same rows over as Arrow, and scans both as fast."""
    rows = statement("trends/page_posts", policy, filters, as_of, con=con).arrow(con)
    con.register("page_posts", rows)
    return MATERIALISED


COVERAGE_MONTHS = 24        # review coverage: this many month ends up to the as-of date
THROUGHPUT_WEEKS = 26       # review throughput: decisions per week over this many weeks
MAX_KEYS = 25               # the largest stacks (sites) drawn in the per-stack charts

PAGE_AGGREGATES = (
    ("distribution", "trends/score_distribution", {}),
    ("heatmap", "trends/staleness_by_stack", {"max_stacks": MAX_KEYS}),
    ("coverage", "trends/review_coverage", {"months": COVERAGE_MONTHS}),
    ("throughput", "trends/review_throughput", {"weeks": THROUGHPUT_WEEKS}),
    ("quality_by_age", "trends/quality_by_review_age", {}),
    ("age_by_site", "trends/review_age_bands", {"dim": "site", "max_keys": MAX_KEYS}),
    ("by_site", "trends/breakdown", {"dim": "site"}),
)
NEEDS_DECISIONS = {"trends/review_coverage", "trends/review_throughput"}


def page_figures(con, policy, filters: dict | None, as_of: dt.date, dims: tuple = ()) -> dict:
    """Every aggregate the scores page draws for these filters, from one pass over post-freshness
    (:func:`materialise`): ``headline`` (dict) and one DataFrame per :data:`PAGE_AGGREGATES` key
    (``distribution``, ``heatmap``, ``coverage``, ``throughput``, ``quality_by_age``,
    ``age_by_site``, ``by_site``); and ``by_<dim>`` (``trends/breakdown``) for each of ``dims``.  Coverage and
    throughput are empty frames in a database without review tables (an old read-only layout)."""
    import pandas as pd
    part = materialise(con, policy, filters, as_of)
    out: dict = {"headline": headline(con, policy, filters, as_of, posts=part)}
    have_decisions = "review_decisions" in table_names(con)
    for key, name, extra in PAGE_AGGREGATES:
        if name in NEEDS_DECISIONS and not have_decisions:
            out[key] = pd.DataFrame()
            continue
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
    row = statement("trends/headline", policy, filters, as_of, posts=posts, con=con).arrow(con).to_pylist()[0]
    return _figures(row, queue_size(con, policy, as_of, filters), duplicate_counts(con))


def _figures(row: dict, queue: int | None, duplicates: dict) -> dict:
    """The headline figures: a row of the headline aggregates, the queue size, the duplicate counts."""
    return {**{k: _clean(v) for k, v in row.items()}, "queue_size": queue, **duplicates}


# A batch's row of batch_metrics, as record_batch_snapshot stores it (Arrow: no DataFrame, so no
# pandas in an import).
SNAPSHOT_SCHEMA = pa.schema([
    ("batch_id", pa.int64()), ("recorded_at", pa.timestamp("us")), ("as_of", pa.date32()),
    ("posts", pa.int64()), ("queue_size", pa.int64()), ("stale_posts", pa.int64()), ("stale_share", pa.float64()),
    ("median_quality", pa.float64()), ("mean_quality", pa.float64()), ("mean_freshness", pa.float64()),
    ("mean_depth", pa.float64()), ("mean_clarity", pa.float64()), ("mean_computed_freshness", pa.float64()),
    ("poor_quality_posts", pa.int64()), ("near_duplicate_pairs", pa.int64()), ("duplicate_clusters", pa.int64()),
    ("stale_after_days", pa.int32()), ("half_life_days", pa.float64()),
])


@hooks.after_import(order=90)
def record_batch_snapshot(con, batch_id: int, as_of: dt.date | None = None, policy=None) -> dict:
    """Store the corpus's headline figures after import batch ``batch_id`` (replaces an earlier snapshot).

    Called by the importer at the end of each batch run, on its own connection:
    ``trends.record_batch_snapshot(con, batch_id)``.  Returns the stored figures.  Call it outside
    a transaction: part of the figures is read on a second cursor, which sees what is committed.
    """
    as_of = as_of or dt.date.today()
    policy = policy or load_policy()
    # The corpus's figures (the first row, ``whole``) and each site's, from one pass over the posts,
    # on a second cursor while this connection counts the queue (two cores for the two scans: 20k
    # posts, ~35 ms each).  Both read what is committed: the snapshot is taken outside a transaction.
    # (Should the queue count fail, leaving the block waits for the read and drops what it raised.)
    figures_of = statement("trends/snapshot_figures", policy, None, as_of, con=con)
    cursor = con.cursor()
    queries.run(cursor, "schema/session_settings")
    with cursor, ThreadPoolExecutor(1, thread_name_prefix="copydesk-read") as pool:
        pending = pool.submit(figures_of.arrow, cursor)
        queue, duplicates = queue_size(con, policy, as_of), duplicate_counts(con)
        both = pending.result()
    whole = both.column("whole").to_pylist()
    assert whole[:1] == [True] and not any(whole[1:]), "trends/snapshot_figures: the whole corpus first"
    figures = _figures(both.slice(0, 1).drop_columns(["whole", "site"]).to_pylist()[0], queue, duplicates)
    row = {
        "batch_id": int(batch_id),
        "recorded_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0),
        "as_of": as_of,
        **{k: figures.get(k) for k in SNAPSHOT_SCHEMA.names[3:-2]},
        "stale_after_days": int(policy.stale_after_days),
        "half_life_days": float(policy.half_life_days),
    }
    site_snapshot = both.slice(1).drop_columns(["whole"])
    site_snapshot = site_snapshot.add_column(0, "batch_id", pa.repeat(pa.scalar(int(batch_id), pa.int64()),
                                                                      site_snapshot.num_rows))
    con.register("snapshot", pa.Table.from_pylist([row], schema=SNAPSHOT_SCHEMA))
    con.register("site_snapshot", site_snapshot)
    try:
        queries.run(con, "trends/insert_snapshot")
        queries.run(con, "trends/delete_site_snapshot", batch_id=int(batch_id))
        queries.run(con, "trends/insert_site_snapshot")
    finally:
        con.unregister("snapshot")
        con.unregister("site_snapshot")
    return {k: _clean(v) for k, v in row.items()}


def batch_trend(con, site: str | None = None) -> pd.DataFrame:
    """Every batch snapshot, oldest first (one site's figures when ``site`` is given)."""
    import pandas as pd
    if not {"batch_metrics", "batch_site_metrics", "import_batches"} <= table_names(con):
        return pd.DataFrame(columns=["batch_id", "posts", "queue_size", "stale_share", "median_quality"])
    return queries.run(con, "trends/batch_metrics", site=site).df()


def change_since_previous_batch(trend: pd.DataFrame) -> dict:
    """Latest snapshot minus the one before it, per figure; empty when fewer than two snapshots exist."""
    import pandas as pd
    if len(trend) < 2:
        return {}
    last, prev = trend.iloc[-1], trend.iloc[-2]
    out = {"batch_id": int(last["batch_id"]), "previous_batch_id": int(prev["batch_id"])}
    for key in (*HEADLINE_FIELDS, "mean_computed_freshness", "stale_posts"):
        a, b = _clean(last.get(key)), _clean(prev.get(key))
        out[key] = None if a is None or b is None or pd.isna(a) or pd.isna(b) else a - b
    return out


# Figures of the batch snapshots shown with their change from one import to the next.
BATCH_FIGURES = ("posts", "queue_size", "stale_share", "median_quality", "mean_quality", "poor_quality_posts",
                 "mean_computed_freshness", "duplicate_clusters")


def batch_changes(trend: pd.DataFrame) -> pd.DataFrame:
    """The batch snapshots (:func:`batch_trend`), newest first: ``batch_id``, ``as_of``, and for each of
    :data:`BATCH_FIGURES` its value and ``<figure>_change`` (minus the previous batch's; NULL for the
    first batch or when either value is missing)."""
    import pandas as pd
    cols = [c for c in BATCH_FIGURES if c in trend.columns]
    out = trend[["batch_id", *[c for c in ("as_of",) if c in trend.columns]]].copy()
    for col in cols:
        values = pd.to_numeric(trend[col], errors="coerce").astype("Float64")
        out[col] = values
        out[f"{col}_change"] = values - values.shift(1)
    return out.iloc[::-1].reset_index(drop=True)


# --- the open queue over time -----------------------------------------------------------------

PROJECTION_WINDOW_DAYS = 28


@dataclass(frozen=True)
class QueueProjection:
    """When the open queue clears at the recent net rate (:func:`queue_projection`)."""
    status: str                       # empty | clears | grows | flat | unknown
    queue_size: int | None            # now (at as_of)
    since: dt.date | None = None      # the reference point the rate is measured from
    since_size: int | None = None
    rate_per_day: float | None = None  # posts leaving the queue per day, net (negative: it grows)
    clears_on: dt.date | None = None


def queue_history(batches: pd.DataFrame, now: int | None, as_of: dt.date) -> pd.DataFrame:
    """Open-queue sizes over time: the size recorded in each import batch's snapshot, at the snapshot's
    as-of date (the last batch of a day counts for that day; later dates than ``as_of`` are left out),
    and ``now``, the size at ``as_of``.  Columns ``date``, ``queue_size``, ``source``."""
    import pandas as pd
    rows = []
    if len(batches) and "queue_size" in batches.columns:
        b = batches.dropna(subset=["queue_size"]).copy()
        b["date"] = pd.to_datetime(b["as_of"]).dt.date
        b = b[b["date"] < as_of].sort_values("batch_id").drop_duplicates("date", keep="last")
        rows = [{"date": r.date, "queue_size": int(r.queue_size), "source": f"import batch {int(r.batch_id)}"}
                for r in b.itertuples()]
    if now is not None:
        rows.append({"date": as_of, "queue_size": int(now), "source": "now"})
    return pd.DataFrame(rows, columns=["date", "queue_size", "source"])


def queue_projection(history: pd.DataFrame, as_of: dt.date, window_days: int = PROJECTION_WINDOW_DAYS
                     ) -> QueueProjection:
    """When the queue clears at the recent net rate.

    ``history`` is :func:`queue_history` (its last row is the size now, at ``as_of``).  The
    reference point is the earliest size recorded in the ``window_days`` before ``as_of``, or, when
    none was, the latest one before that window.  rate = (size then - size now) / days between:
    the posts that left the queue per day, net of the posts that entered it.  With rate > 0 the
    queue clears on ``as_of + ceil(size now / rate)`` days; with rate <= 0 it does not clear at this
    rate (``grows`` / ``flat``); without a reference point the status is ``unknown``.
    """
    import pandas as pd
    if history.empty or history.iloc[-1]["source"] != "now":
        return QueueProjection("unknown", None)
    now = int(history.iloc[-1]["queue_size"])
    if now == 0:
        return QueueProjection("empty", 0)
    before = history.iloc[:-1]
    if before.empty:
        return QueueProjection("unknown", now)
    recent = before[before["date"] >= as_of - dt.timedelta(days=window_days)]
    ref = recent.iloc[0] if len(recent) else before.iloc[-1]
    days = (as_of - ref["date"]).days
    rate = (int(ref["queue_size"]) - now) / days
    common = {"queue_size": now, "since": ref["date"], "since_size": int(ref["queue_size"]), "rate_per_day": rate}
    if rate > 0:
        return QueueProjection("clears", clears_on=as_of + dt.timedelta(days=math.ceil(now / rate)), **common)
    return QueueProjection("grows" if rate < 0 else "flat", **common)


# --- from a chart to the posts behind it ----------------------------------------------------

def _age_drill(point: dict) -> tuple[str, dict, dict]:
    """A review-age band (``age_band``, ``age_min``, ``age_max`` of ``trends/age_bands``): label, filters, extra."""
    import pandas as pd
    lo, hi = point.get("age_min"), point.get("age_max")
    lo = None if lo is None or pd.isna(lo) else int(lo)
    hi = None if hi is None or pd.isna(hi) else int(hi)
    if lo is None:
        return "never reviewed", {"band": ["never"]}, {}
    days = f"{lo}–{hi} days" if hi is not None else f"{lo} days or more"
    return f"last reviewed {days} ago", {}, {"age_min": lo, "age_max": hi}


def _quality_drill(band: str, good: int, watch: int) -> tuple[str, dict]:
    """A quality band (good / watch / poor under the policy, or ``no score``): label and score range."""
    ranges = {"good": (good, 100), "watch": (watch, good - 1), "poor": (0, watch - 1), "no score": (None, None)}
    lo, hi = ranges[band]
    label = "no quality score" if lo is None else f"quality {band} ({lo}–{hi})"
    return label, {"score_name": "quality", "score_min": lo, "score_max": hi}


def drill_from_point(kind: str, point: dict, *, dim: str | None = None, score: str | None = None,
                     good: int | None = None, watch: int | None = None) -> dict | None:
    """Turn a clicked mark into a drill-down: ``{"label", "filters", "extra"}``.

    ``filters`` narrow the shared filters (``band``); ``extra`` are the ``posts`` export's own
    parameters (score range, review-age range, batch, a site/stack/difficulty/status key), which
    apply on top of the shared filters.  kinds: ``bucket`` (score distribution, needs ``score``),
    ``missing`` (the posts without ``score``), ``key`` (breakdown, needs ``dim``), ``batch`` (import
    batch), ``cell`` (staleness heatmap: stack and band), ``age`` (a review-age band, with a
    ``key`` of ``dim`` or a ``quality_band`` under the ``good``/``watch`` thresholds).
    """
    if not point:
        return None
    if kind == "bucket":
        lo = int(point["bucket"])
        hi = 100 if lo >= 90 else lo + 9
        return {"label": f"{score.replace('_', ' ')} score {lo}–{hi}", "filters": {},
                "extra": {"score_name": score, "score_min": lo, "score_max": hi}}
    if kind == "missing":
        what = "never reviewed (no computed freshness)" if score == "computed_freshness" else f"no {score} score"
        return {"label": what, "filters": {}, "extra": {"score_name": score, "score_min": None, "score_max": None}}
    if kind == "key":
        value = str(point["key"])
        return {"label": f"{dim} = {value}", "filters": {}, "extra": {"drill_dim": dim, "drill_key": value}}
    if kind == "batch":
        batch = int(point["batch_id"])
        return {"label": f"imported or updated in batch {batch}", "filters": {}, "extra": {"batch_id": batch}}
    if kind == "cell":
        stack, band = str(point["stack"]), str(point["band"])
        return {"label": f"stack = {stack}, freshness band = {band}", "filters": {"band": [band]},
                "extra": {"drill_dim": "stack", "drill_key": stack}}
    if kind == "age":
        label, filters, extra = _age_drill(point)
        if dim and point.get("key") is not None:
            label = f"{dim} = {point['key']}, {label}"
            extra.update(drill_dim=dim, drill_key=str(point["key"]))
        if point.get("quality_band") is not None:
            what, score_range = _quality_drill(str(point["quality_band"]), good, watch)
            label = f"{label}, {what}"
            extra.update(score_range)
        return {"label": label, "filters": filters, "extra": extra}
    raise ValueError(f"unknown drill kind {kind!r}")


def apply_drill(filters: dict, drill: dict | None) -> tuple[dict, dict]:
    """The shared filters narrowed by a drill-down, and the ``posts`` export's extra parameters."""
    out = dict(filters)
    if not drill:
        return out, {}
    out.update(drill.get("filters") or {})
    return out, dict(drill.get("extra") or {})
