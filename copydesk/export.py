"""Named exports: every list and figure of the dashboard as CSV or Parquet, exactly as filtered.

An export is a *view name* (``posts``, ``review-queue`` ...; see :data:`VIEWS`) plus the
shared filters (site, stack, status, difficulty, band, reviewed_from, reviewed_to) and an
as-of date.  The rows are produced by one SELECT in DuckDB and written by DuckDB ``COPY``,
which streams: nothing is collected in Python, so memory stays flat whatever the size.

CSV rules (``queries/export/csv_cells.sql``):

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

from . import __version__, queries
from . import db as dbmod
# copydesk.trends (pandas, ~0.5 s) and DuckDB (~0.1 s) are imported where they are used: the CLI
# imports this module for the export names, and a command other than export should not pay for them.
from .errors import ExportError

FORMATS = ("csv", "parquet")
CSV_RULE = ("Text cells starting with =, +, -, @, TAB or CR are prefixed with a single quote ('); "
            "lists are joined with '; '; numbers, dates and booleans are written unchanged.")


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
    View("posts", "Current posts with computed freshness, band and scores.", "posts-query", "export/posts",
         {"score_name": None, "score_min": None, "score_max": None, "age_min": None, "age_max": None, "batch_id": None,
          "drill_dim": None, "drill_key": None, "limit": None}),
    View("review-queue", "Posts that need a human now, with reasons and priority.", "review-queue"),
    View("stale-drafts", "Drafts that are stale or were never reviewed under the policy.", "stale-drafts"),
    View("near-duplicates", "Near-duplicate pairs with both posts' titles and sites.", "posts-query",
         "export/near_duplicates", needs=("near_duplicates", "duplicate_clusters")),
    View("decisions", "Every review decision (the append-only log).", "posts-query", "export/decisions",
         needs=("review_decisions",)),
    View("scores-by-month", "Posts and mean scores by month of last review.", "posts-query", "trends/scores_by_month"),
    View("import-files", "The import ledger: every file of every batch and its outcome.", "plain-query",
         "export/import_files", filtered=False),
    View("score-distribution", "Posts per 10-point bucket of each score.", "posts-query", "trends/score_distribution"),
    View("scores-by-site", "Mean scores and stale share by site.", "posts-query", "trends/breakdown", {"dim": "site"}),
    View("scores-by-stack", "Mean scores and stale share by stack.", "posts-query", "trends/breakdown",
         {"dim": "stack"}),
    View("scores-by-difficulty", "Mean scores and stale share by difficulty.", "posts-query", "trends/breakdown",
         {"dim": "difficulty"}),
    View("scores-by-status", "Mean scores and stale share by status.", "posts-query", "trends/breakdown",
         {"dim": "status"}),
    View("staleness-by-stack", "Posts per stack and freshness band.", "posts-query", "trends/staleness_by_stack",
         {"max_stacks": 1_000_000}),
    View("batch-metrics", "Headline figures recorded after each import batch.", "batch"),
    View("review-coverage", "Share of posts fresh / aging / stale / never / unknown at each of the last 24 month "
         "ends, by site and for all sites.", "posts-query", "trends/review_coverage", {"months": 24},
         needs=("review_decisions",)),
    View("review-throughput", "Review decisions per week and kind, the last 26 weeks.", "posts-query",
         "trends/review_throughput", {"weeks": 26}, needs=("review_decisions",)),
    View("quality-by-review-age", "Posts per review-age band and quality band, with each band's median quality.",
         "posts-query", "trends/quality_by_review_age"),
    View("review-age-by-site", "Posts per site and review-age band.", "posts-query", "trends/review_age_bands",
         {"dim": "site", "max_keys": 1_000_000}),
    View("review-age-by-stack", "Posts per stack and review-age band.", "posts-query", "trends/review_age_bands",
         {"dim": "stack", "max_keys": 1_000_000}),
    View("quality", "copydesk's own quality of each post: signals, sub-scores, computed quality, findings "
         "(post_quality) beside the recorded quality.", "posts-query", "export/quality",
         {"finding": None, "computed_min": None, "computed_max": None, "min_gap": None, "drill_dim": None,
          "drill_key": None, "limit": None}, needs=("quality_scores",)),
    View("template-sentences", "The template sentences of the corpus: normalised text, posts holding it, an "
         "example post.", "plain-query", "export/template_sentences", needs=("template_sentence_counts",),
         filtered=False),
)}


def export_sql(con, name: str, filters: dict | None = None, as_of: dt.date | None = None,
               policy=None, **extra) -> queries.Statement:
    """ONE SELECT of the export's rows.  ``extra`` overrides the view's parameters
    (for ``posts``: ``score_name``/``score_min``/``score_max``, ``age_min``/``age_max``, ``batch_id``,
    ``drill_dim``/``drill_key``, ``limit``; see ``queries/export/posts.sql``).

    ``review-queue`` also takes the queue's own filters (reason, state, assignee, search)."""
    from . import trends

    view = VIEWS.get(name)
    if view is None:
        raise ExportError(f"unknown export {name!r}; known: {', '.join(VIEWS)}")
    missing = set(view.needs) - trends.table_names(con)
    if missing:
        raise ExportError(f"export {name!r} needs table(s) {sorted(missing)}, which this database does not have")
    policy = policy or trends.load_policy()
    as_of = as_of or dt.date.today()
    params = {**view.params, **extra}
    if view.kind == "review-queue":
        from . import queue  # the one definition of who needs a human
        keys = set(trends.FILTER_KEYS) | set(queue.QUEUE_FILTER_KEYS)
        qfilters = {k: v for k, v in (filters or {}).items() if k in keys and v not in (None, "", [], ())}
        return queue.statement("export/review_queue", policy, qfilters, as_of=as_of, con=con)
    filters = trends.clean_filters(filters)
    if view.kind == "posts-query":
        return trends.statement(view.query, policy, filters, as_of, filtered=bool(filters), con=con, **params)
    if view.kind == "plain-query":
        q = queries.get(view.query)
        return queries.statement(view.query, {k: v for k, v in params.items() if k in q.params})
    if view.kind == "batch":
        site = filters.get("site")
        site = site[0] if isinstance(site, list) and len(site) == 1 else site
        if isinstance(site, list):
            site = None
        return queries.statement("trends/batch_metrics", {"site": site})
    if view.kind == "stale-drafts":
        from . import queue
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


def columns(con, rows: queries.Statement) -> list[tuple[str, str]]:
    """(name, DuckDB type) of each column of the rows, without reading them."""
    desc = queries.statement("export/_columns", parts={"rows": rows}).execute(con).description
    return [(d[0], str(d[1])) for d in desc]


def copy(con, rows: queries.Statement, out: str | os.PathLike, fmt: str = "csv") -> int:
    """THE writer of every CSV and Parquet file copydesk produces: DuckDB ``COPY`` of ``rows`` to
    ``out`` (streamed), CSV under the rules of the module docstring.  Returns the row count."""
    out = Path(out)
    if fmt == "csv":
        queries.run(con, "export/csv_cells")   # connection-local (TEMP) macros
        cols = ",\n       ".join(csv_column(n, t) for n, t in columns(con, rows))
        stmt = queries.statement("export/_copy_csv", {"out_path": str(out)},
                                 parts={"columns": queries.Verbatim(cols), "rows": rows})
    elif fmt == "parquet":
        stmt = queries.statement("export/_copy_parquet", {"out_path": str(out)}, parts={"rows": rows})
    else:
        raise ExportError(f"format must be one of {FORMATS}, not {fmt!r}")
    if not out.parent.is_dir():
        raise ExportError(f"cannot write {out}: folder {out.parent} does not exist")
    import duckdb

    try:
        rows = stmt.execute(con).fetchall()
    except duckdb.IOException as exc:
        raise ExportError(f"cannot write {out}: {str(exc).splitlines()[0]}") from exc
    return int(rows[0][0]) if rows else 0


def csv_bytes_of(con, rows: queries.Statement) -> bytes:
    """CSV of ``rows`` as bytes (for a download button), written by :func:`copy`."""
    with tempfile.TemporaryDirectory(prefix="copydesk-export-") as tmp:
        out = Path(tmp) / "rows.csv"
        copy(con, rows, out, "csv")
        return out.read_bytes()


def frame_csv_bytes(df) -> bytes:
    """CSV of a DataFrame a page already holds, written by :func:`copy` (same rules as every export)."""
    con = dbmod.memory()
    try:
        con.register("frame", df)
        return csv_bytes_of(con, queries.statement("export/frame"))
    finally:
        con.close()


def _policy_json(policy) -> dict:
    return json.loads(json.dumps(dataclasses.asdict(policy), default=str))


def latest_batch(con) -> dict | None:
    from . import trends

    if "import_batches" not in trends.table_names(con):
        return None
    cur = queries.run(con, "trends/latest_batch")
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


def _shown_filters(name: str, filters: dict | None) -> dict:
    """The filters an export applied: the post filters, and the queue's own for ``review-queue``."""
    from . import trends

    out = trends.clean_filters(filters)
    if VIEWS[name].kind == "review-queue":
        from . import queue
        out.update({k: v for k, v in (filters or {}).items()
                    if k in queue.QUEUE_FILTER_KEYS and v not in (None, "", [], ())})
    return out


def provenance(con, name: str, fmt: str, out: Path | None, rows: int, filters: dict | None,
               as_of: dt.date, policy, extra: dict | None = None, seconds: float | None = None) -> dict:
    """What a sidecar says about an export: enough to reproduce it."""
    meta = {
        "view": name,
        "description": VIEWS[name].description,
        "format": fmt,
        "file": out.name if out else None,
        "rows": rows,
        "filters": {k: _jsonable(v) for k, v in _shown_filters(name, filters).items()},
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
    from . import trends

    policy = policy or trends.load_policy()
    as_of = as_of or dt.date.today()
    out = Path(out)
    t0 = time.perf_counter()
    rows = copy(con, export_sql(con, name, filters, as_of, policy, **extra), out, fmt)
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
