"""Named exports: every list and figure of the dashboard as CSV or Parquet, exactly as filtered.

An export is a *view name* (``posts``, ``review-queue`` ...; see :data:`VIEWS`) plus the
shared filters (site, stack, status, difficulty, band, reviewed_from, reviewed_to) and an
as-of date.  The rows are produced by one SELECT in DuckDB and written by DuckDB ``COPY``,
which streams: nothing is collected in Python, so memory stays flat whatever the size.

CSV rules (``queries/export_csv_cells.sql``):

* UTF-8, comma-separated, a header row, ``"`` quoting where needed, empty cell for NULL.
* Lists are joined with ``"; "`` (``python; django``).
* Formula injection: a *text* cell whose first character is ``=``, ``+``, ``-``, ``@``,
  TAB or CR gets a leading single quote (``=HYPERLINK(...)`` -> ``'=HYPERLINK(...)``), so a
  spreadsheet shows it as text instead of evaluating it.  Numeric, date and boolean
  columns are written as they are (a negative number stays a number).
* Parquet files keep the native types (lists stay lists) and the raw text.

Provenance: :func:`write` also writes ``<OUT>.json`` next to the file (view, filters,
policy, as-of date, latest import batch, row count, created_at).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, freshness, queries, trends

FORMATS = ("csv", "parquet")
CSV_RULE = ("Text cells starting with =, +, -, @, TAB or CR are prefixed with a single quote ('); "
            "lists are joined with '; '; numbers, dates and booleans are written unchanged.")


class ExportError(ValueError):
    """An export that cannot be produced (unknown view, missing table, bad format)."""


@dataclass(frozen=True)
class View:
    name: str
    description: str
    kind: str                      # posts-query | plain-query | review-queue | stale-drafts
    query: str | None = None       # named query
    params: dict = field(default_factory=dict)
    needs: tuple = ()              # tables that must exist
    filtered: bool = True          # whether the shared filters apply


VIEWS: dict[str, View] = {v.name: v for v in (
    View("posts", "Current posts with computed freshness, band and scores.", "posts-query", "export-posts",
         {"score_name": None, "score_min": None, "score_max": None, "batch_id": None, "limit": None}),
    View("review-queue", "Posts that need a human now, with reasons and priority.", "review-queue"),
    View("stale-drafts", "Drafts that are stale or were never reviewed under the policy.", "stale-drafts"),
    View("near-duplicates", "Near-duplicate pairs with both posts' titles and sites.", "posts-query",
         "export-near-duplicates", needs=("near_duplicates", "duplicate_clusters")),
    View("decisions", "Every review decision (the append-only log).", "posts-query", "export-decisions",
         needs=("review_decisions",)),
    View("scores-by-month", "Posts and mean scores by month of last review.", "posts-query", "scores-by-month"),
    View("import-files", "The import ledger: every file of every batch and its outcome.", "plain-query",
         "export-import-files", filtered=False),
    View("score-distribution", "Posts per 10-point bucket of each score.", "posts-query", "score-distribution"),
    View("scores-by-site", "Mean scores and stale share by site.", "posts-query", "scores-breakdown", {"dim": "site"}),
    View("scores-by-stack", "Mean scores and stale share by stack.", "posts-query", "scores-breakdown",
         {"dim": "stack"}),
    View("scores-by-difficulty", "Mean scores and stale share by difficulty.", "posts-query", "scores-breakdown",
         {"dim": "difficulty"}),
    View("scores-by-status", "Mean scores and stale share by status.", "posts-query", "scores-breakdown",
         {"dim": "status"}),
    View("staleness-by-stack", "Posts per stack and freshness band.", "posts-query", "staleness-by-stack",
         {"max_stacks": 1_000_000}),
    View("batch-metrics", "Headline figures recorded after each import batch.", "batch"),
)}


def _filters_active(filters: dict | None) -> bool:
    return bool(trends.clean_filters(filters))


def export_sql(con, name: str, filters: dict | None = None, as_of: dt.date | None = None,
               policy=None, **extra) -> tuple[str, dict]:
    """ONE SELECT of the export's rows and its parameters.  ``extra`` overrides the view's parameters
    (e.g. ``score_name``/``score_min``/``score_max``/``batch_id``/``limit`` for ``posts``)."""
    view = VIEWS.get(name)
    if view is None:
        raise ExportError(f"unknown export {name!r}; known: {', '.join(VIEWS)}")
    missing = set(view.needs) - trends.table_names(con)
    if missing:
        raise ExportError(f"export {name!r} needs table(s) {sorted(missing)}, which this database does not have")
    policy = policy or trends.load_policy()
    as_of = as_of or dt.date.today()
    filters = trends.clean_filters(filters)
    params = {**view.params, **extra}
    if view.kind == "posts-query":
        return trends.build(view.query, policy, filters, as_of, filtered=bool(filters), **params)
    if view.kind == "plain-query":
        q = queries.get(view.query)
        return q.sql, {k: v for k, v in params.items() if k in q.params}
    if view.kind == "batch":
        site = filters.get("site")
        site = site[0] if isinstance(site, list) and len(site) == 1 else site
        if isinstance(site, list):
            site = None
        return queries.sql("batch-trend"), {"site": site}
    from . import queue  # issue 4's queue: the one definition of who needs a human
    if view.kind == "review-queue":
        inner, qparams = queue.queue_sql(policy, filters, as_of=as_of, con=con)
        sql = freshness.compose("export-review-queue", queue_rows=inner)
        return sql, freshness.used_params(sql, {**qparams, **freshness.policy_params(policy, as_of)})
    if view.kind == "stale-drafts":
        return queue.stale_drafts_sql(policy, filters, as_of=as_of)
    raise ExportError(f"export {name!r} has an unknown kind {view.kind!r}")


_PLAIN_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "BOOLEAN", "DATE", "TIME", "TIMESTAMP",
                "INTERVAL")


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def csv_column(name: str, type_name: str) -> str:
    """The SELECT expression that renders one column for CSV (see the module docstring)."""
    ident = _quote_ident(name)
    t = type_name.upper()
    if t.endswith("[]") or t.startswith("LIST") or (t.endswith("]") and "[" in t):
        return f"csv_list(CAST({ident} AS VARCHAR[])) AS {ident}"
    if t.startswith(_PLAIN_TYPES):
        return ident
    return f"csv_cell(CAST({ident} AS VARCHAR)) AS {ident}"


def columns(con, sql: str, params: dict) -> list[tuple[str, str]]:
    """(name, DuckDB type) of each column of the rows, without reading them."""
    text = freshness.compose("export-columns", rows=sql)
    desc = con.execute(text, freshness.used_params(text, params) if params else {}).description
    return [(d[0], str(d[1])) for d in desc]


def _copy(con, fmt: str, sql: str, params: dict, out: Path) -> int:
    if fmt == "csv":
        con.execute(queries.sql("export-csv-cells"))   # connection-local (TEMP) macros
        cols = ",\n       ".join(csv_column(n, t) for n, t in columns(con, sql, params))
        text = freshness.body("export-copy-csv").replace("{{columns}}", cols).replace("{{rows}}", "(" + sql + ")")
    elif fmt == "parquet":
        text = freshness.compose("export-copy-parquet", rows=sql)
    else:
        raise ExportError(f"format must be one of {FORMATS}, not {fmt!r}")
    row = con.execute(text, {**params, "out_path": str(out)}).fetchone()
    return int(row[0]) if row else 0


def _policy_json(policy) -> dict:
    return json.loads(json.dumps(dataclasses.asdict(policy), default=str))


def latest_batch(con) -> dict | None:
    if "import_batches" not in trends.table_names(con):
        return None
    cur = queries.run(con, "latest-import-batch")
    row = cur.fetchone()
    if row is None:
        return None
    return {d[0]: (v.isoformat() if hasattr(v, "isoformat") else v) for d, v in zip(cur.description, row)}


def _jsonable(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    return value


def provenance(con, name: str, fmt: str, out: Path | None, rows: int, filters: dict | None,
               as_of: dt.date, policy, extra: dict | None = None, seconds: float | None = None) -> dict:
    """What a sidecar says about an export: enough to reproduce it."""
    meta = {
        "view": name,
        "description": VIEWS[name].description,
        "format": fmt,
        "file": out.name if out else None,
        "rows": rows,
        "filters": {k: _jsonable(v) for k, v in trends.clean_filters(filters).items()},
        "drill_down": {k: _jsonable(v) for k, v in (extra or {}).items() if v is not None} or None,
        "as_of": as_of.isoformat(),
        "policy": _policy_json(policy),
        "latest_import_batch": latest_batch(con),
        "created_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "copydesk_version": __version__,
    }
    if fmt == "csv":
        meta["csv_rules"] = CSV_RULE
    if seconds is not None:
        meta["seconds"] = round(seconds, 3)
    return meta


def sidecar_path(out: str | os.PathLike) -> Path:
    """``posts.csv`` -> ``posts.csv.json``."""
    out = Path(out)
    return out.with_name(out.name + ".json")


def write(con, name: str, out: str | os.PathLike, fmt: str = "csv", filters: dict | None = None,
          as_of: dt.date | None = None, policy=None, sidecar: bool = True, **extra) -> dict:
    """Write the export ``name`` to ``out`` (CSV or Parquet) with DuckDB COPY; returns its provenance."""
    if fmt not in FORMATS:
        raise ExportError(f"format must be one of {FORMATS}, not {fmt!r}")
    policy = policy or trends.load_policy()
    as_of = as_of or dt.date.today()
    out = Path(out)
    t0 = time.perf_counter()
    sql, params = export_sql(con, name, filters, as_of, policy, **extra)
    rows = _copy(con, fmt, sql, params, out)
    meta = provenance(con, name, fmt, out, rows, filters, as_of, policy, extra, time.perf_counter() - t0)
    if sidecar:
        sidecar_path(out).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return meta


def csv_bytes(con, name: str, filters: dict | None = None, as_of: dt.date | None = None, policy=None,
              **extra) -> bytes:
    """The export as CSV bytes (for a download button): written by COPY to a temporary file, then read."""
    with tempfile.TemporaryDirectory(prefix="copydesk-export-") as tmp:
        out = Path(tmp) / f"{name}.csv"
        write(con, name, out, "csv", filters, as_of, policy, sidecar=False, **extra)
        return out.read_bytes()


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def frame_csv_bytes(df) -> bytes:
    """CSV of a small DataFrame a page already holds, under the same rules as the exports:
    UTF-8 with a header, lists joined with "; ", text cells starting with = + - @ TAB CR
    prefixed with a single quote."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or str(s.dtype).startswith("str"):
            s = s.map(lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
            text = s.astype("string")
            risky = text.str.startswith(FORMULA_START).fillna(False)
            out[col] = s.where(~risky, "'" + text)
    return out.to_csv(index=False).encode("utf-8")
