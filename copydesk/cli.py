"""The ``copydesk`` command line.  Every command's docstring is its ``--help``."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading

# copydesk does no linear algebra, and numpy's OpenBLAS starts a thread per further core that spins
# for ~0.1 s of CPU after it loads: in an import, on the core the parser processes start on.  One
# thread, unless the user chose otherwise (read when numpy loads: before any other import here).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click  # noqa: E402

from . import db as dbmod  # noqa: E402
from . import domain  # noqa: E402
from .errors import CopydeskError  # noqa: E402

DB_OPTION = click.option(
    "--db", "db", default=None, metavar="FILE",
    help="DuckDB file (default: $COPYDESK_DB, else ./copydesk.duckdb).",
)


def terminal_text(value) -> str:
    """Untrusted text (a file name, a post id) made safe for a terminal: control characters
    (escape sequences, carriage returns, newlines) are shown as ``\\xNN`` escapes."""
    return "".join(ch if ch.isprintable() or ch == " " else f"\\x{ord(ch):02x}" if ord(ch) < 256
                   else f"\\u{ord(ch):04x}" for ch in str(value))


class _Group(click.Group):
    """Every :class:`~copydesk.errors.CopydeskError` becomes ``error: <message>`` and exit 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CopydeskError as exc:
            fail(str(exc))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="copydesk")
def main() -> None:
    """copydesk: import page dumps into DuckDB, find what needs a human, export it."""


def entry() -> None:
    """The ``copydesk`` command (and ``python -m copydesk``): :func:`main`, then the process ends
    without the interpreter's teardown when nothing is left running.

    Freeing every module and object at exit (DuckDB, pyarrow, pandas, the parser's tables) takes
    0.2-0.3 s after an import, when the work is done: the database is closed, the parser processes
    are joined, the output is flushed below.  With a thread or child process still alive (a Dask
    cluster, the dashboard) the interpreter exits as usual, running its exit handlers."""
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):        # a closed pipe: the usual exit reports it
        sys.exit(code)
    mp = sys.modules.get("multiprocessing")
    if threading.active_count() == 1 and (mp is None or not mp.active_children()):
        os._exit(code)
    sys.exit(code)


def POST_FILTERS(f):
    """The repeatable --site / --stack / --status filters shared by the commands that list posts."""
    f = click.option("--status", multiple=True, help="Only these statuses (repeatable).")(f)
    f = click.option("--stack", multiple=True, help="Only posts with one of these stacks (repeatable).")(f)
    return click.option("--site", multiple=True, help="Only these sites (repeatable).")(f)


BAND_FILTER = click.option("--band", multiple=True, type=click.Choice(domain.BANDS),
                           help="Only these freshness bands (repeatable).")


def fail(message: str, code: int = 2) -> None:
    """Exit with a one-line reason on stderr."""
    click.echo(f"error: {terminal_text(' '.join(str(message).split()))}", err=True)
    sys.exit(code)


def ENGINE_OPTIONS(f):
    """--engine / --scheduler / --stage-dir, shared by the commands that can run on a Dask cluster."""
    f = click.option("--stage-dir", default=None, metavar="DIR",
                     help="With --engine dask: folder or fsspec URL every worker can read and write, for the "
                          "data that travels (default with a local cluster: a temporary folder).")(f)
    f = click.option("--scheduler", default=None, metavar="ADDRESS",
                     help="With --engine dask: the Dask scheduler (tcp://host:8786; default $DASK_SCHEDULER_ADDRESS, "
                          "else a local cluster with one worker per core).")(f)
    return click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                        help="Where the heavy stages run: this process, or a Dask cluster.")(f)


def check_engine_options(engine: str, scheduler, stage_dir, **others) -> None:
    """The cluster options are refused without --engine dask (they would be silently ignored)."""
    if engine == "dask":
        return
    given = dict(scheduler=scheduler, stage_dir=stage_dir, **others)
    for name, value in given.items():
        if value is not None:
            fail(f"--{name.replace('_', '-')} needs --engine dask")


def cluster_for(scheduler, stage_dir, quiet: bool):
    """The Dask cluster of a command (copydesk.cluster.connect), with progress bars on a terminal."""
    from . import cluster
    return cluster.connect(scheduler, stage_dir, progress=sys.stderr.isatty() and not quiet)


# Commands are added below, one function per command, each in its own section.


# --------------------------------------------------------------------------- import

@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--strict", is_flag=True, help="Exit 1 when any file was rejected.")
@click.option("--batch-size", default=None, type=click.IntRange(1, 1_000_000),
              help="Files per transaction, at least (default 131072; also after 15 s; then at the first "
                   "chunk that leaves no small partial DuckDB row group, or at twice either).")
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Parser processes (default: up to 2; with --engine dask the cluster's workers parse).")
@ENGINE_OPTIONS
def import_cmd(paths, db, as_json, strict, batch_size, workers, engine, scheduler, stage_dir):
    """Import page dumps (.txt), JSON Lines, folders, .zip and .tar.gz archives into the database."""
    from . import importer

    missing = [p for p in paths if not __import__("os").path.exists(p)]
    if missing:
        fail(f"no such file or folder: {missing[0]}")
    check_engine_options(engine, scheduler, stage_dir)
    if engine == "dask" and workers:
        fail("--workers is for the local engine; with --engine dask the cluster's workers parse")
    show_bar = sys.stderr.isatty() and not as_json
    total = importer.count_items(list(paths)) if show_bar else None
    kwargs = {"workers": workers}
    if batch_size:
        kwargs["batch_size"] = batch_size
    with contextlib.ExitStack() as stack:
        if engine == "dask":
            kwargs["cluster"] = stack.enter_context(cluster_for(scheduler, stage_dir, True))
        summary = _run_import(paths, db, show_bar, total, kwargs)
    if as_json:
        click.echo(json.dumps(summary.as_dict(), default=str))
    else:
        rate = summary.files_seen / summary.seconds if summary.seconds else 0
        click.echo(
            f"batch {summary.batch_id}: {summary.files_seen} files seen, {summary.imported} imported, "
            f"{summary.updated} updated, {summary.unchanged} unchanged, {summary.rejected} rejected, "
            f"{summary.warnings} warnings; {summary.posts_new} posts new, {summary.posts_replaced} replaced "
            f"by a newer revision; {summary.posts_total} posts in {dbmod.db_path(db)} "
            f"({summary.seconds:.1f}s, {rate:,.0f} files/s)")
        for rej in summary.rejects[:10]:
            click.echo(f"  rejected {terminal_text(rej['source_file'])}: {terminal_text(rej['reason'])}")
        if summary.rejected > 10:
            click.echo(f"  … all rejects: the Overview page, or 'copydesk export import-files --csv FILE --db {dbmod.db_path(db)}'")
    if strict and summary.rejected:
        sys.exit(1)


def _run_import(paths, db, show_bar: bool, total, kwargs):
    """importer.import_paths with a progress bar on a terminal; interruptions and I/O errors reported."""
    from . import importer

    try:
        if show_bar:
            with click.progressbar(length=total or 0, label="importing", file=sys.stderr,
                                   show_pos=True, show_eta=bool(total)) as bar:
                last = [0]

                def progress(done):
                    bar.update(done - last[0])
                    last[0] = done
                return importer.import_paths(list(paths), db, progress=progress, **kwargs)
        return importer.import_paths(list(paths), db, **kwargs)
    except KeyboardInterrupt:
        click.echo("interrupted: finished chunks are saved; run the same import again to finish", err=True)
        sys.exit(130)
    except dbmod.DatabaseBusy as exc:
        fail(str(exc))
    except (OSError, ValueError) as exc:
        fail(str(exc))


# --------------------------------------------------------------------------- demo

@main.command("demo")
@DB_OPTION
@click.option("--posts", default=domain.DEMO_POSTS, show_default=True, type=click.IntRange(10, 1_000_000),
              help="Synthetic posts in the sample.")
@click.option("--seed", default=domain.DEMO_SEED, show_default=True, type=int, help="Seed of the sample.")
@click.option("--force", is_flag=True, help="Rebuild even if the database exists.")
def demo_cmd(db, posts, seed, force):
    """Build the demo database from the bundled sample (data/) unless it already exists."""
    from .demo import build_demo

    try:
        build_demo(db, posts=posts, seed=seed, force=force, echo=click.echo)
    except dbmod.DatabaseBusy as exc:
        fail(str(exc))


# --- export -------------------------------------------------------------------------------------

def _export_names() -> list[str]:
    from .export import VIEWS
    return list(VIEWS)


@main.command("export", epilog="NAME is one of: " + ", ".join(_export_names()) + ".")
@click.argument("name", type=click.Choice(_export_names()), metavar="NAME")
@DB_OPTION
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False), metavar="OUT", help="Write CSV to OUT.")
@click.option("--parquet", "parquet_out", type=click.Path(dir_okay=False), metavar="OUT", help="Write Parquet to OUT.")
@POST_FILTERS
@click.option("--difficulty", multiple=True, help="Only these difficulties (repeatable).")
@BAND_FILTER
@click.option("--reviewed-from", type=click.DateTime(["%Y-%m-%d"]), help="Last reviewed on or after (YYYY-MM-DD).")
@click.option("--reviewed-to", type=click.DateTime(["%Y-%m-%d"]), help="Last reviewed on or before (YYYY-MM-DD).")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Compute freshness for this date (default today).")
@click.option("--policy", "policy_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Policy TOML (default: $COPYDESK_POLICY, else policy.toml).")
@click.option("--no-sidecar", is_flag=True, help="Do not write the OUT.json provenance file.")
@click.option("--reason", multiple=True, type=click.Choice(list(domain.REASONS)),
              help="review-queue: only posts with this reason (repeatable).")
@click.option("--state", type=click.Choice(domain.STATES), default=None,
              help="review-queue: open (default), decided or all.")
@click.option("--assignee", multiple=True, help="review-queue: only posts assigned to this person (repeatable).")
@click.option("--search", default=None, help="review-queue: only posts whose id or title contains this text.")
def export_cmd(name, db, csv_out, parquet_out, site, stack, status, difficulty, band, reviewed_from, reviewed_to,
               as_of, policy_file, no_sidecar, reason, state, assignee, search):
    """Export a named view (posts, review-queue, ...) as CSV or Parquet, filtered, with a JSON sidecar."""
    from . import export as exportmod
    from . import freshness

    if bool(csv_out) == bool(parquet_out):
        fail("give exactly one of --csv OUT or --parquet OUT")
    fmt, out = ("csv", csv_out) if csv_out else ("parquet", parquet_out)
    path = dbmod.db_path(db)
    if not path.exists():
        fail(f"database {path} does not exist")
    filters = {"site": list(site), "stack": list(stack), "status": list(status), "difficulty": list(difficulty),
               "band": list(band), "reviewed_from": reviewed_from.date() if reviewed_from else None,
               "reviewed_to": reviewed_to.date() if reviewed_to else None}
    queue_filters = {"reason": list(reason), "state": state, "assignee": list(assignee), "search": search}
    if any(v for v in queue_filters.values()):
        if name != "review-queue":
            fail("--reason, --state, --assignee and --search apply to review-queue only")
        filters.update(queue_filters)
    try:
        policy = freshness.load_policy(policy_file)
        with dbmod.session(path, read_only=True) as con:
            meta = exportmod.write(con, name, out, fmt, filters, as_of.date() if as_of else None, policy,
                                   sidecar=not no_sidecar)
    except (exportmod.ExportError, freshness.PolicyError, dbmod.DatabaseBusy) as exc:
        fail(str(exc))
    click.echo(f"{meta['rows']} rows of {name} written to {out} in {meta['seconds']:.2f} s"
               + ("" if no_sidecar else f" (provenance: {exportmod.sidecar_path(out)})"))


# --------------------------------------------------------------------------- synth
@main.command("synth")
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--posts", type=click.IntRange(min=0), default=1000, show_default=True, help="Number of posts.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same bytes).")
@click.option("--clean", "--no-irregular", "clean", is_flag=True,
              help="Well-formed files only: no encoding/format irregularities, rejects or revisions.")
@click.option("--jsonl", is_flag=True, help="Also write OUT_DIR/posts.jsonl (the expected posts rows).")
@click.option("--dup-share", type=click.FloatRange(0.0, 0.95), default=0.15, show_default=True,
              help="Share of posts that are planted near-duplicate copies.")
def synth_cmd(out_dir, posts, seed, clean, jsonl, dup_share):
    """Generate a synthetic page-dump corpus with truth files (pages/, manifest, truth pairs)."""
    from . import synth

    bar = None
    progress = None
    if sys.stderr.isatty() and posts >= 2000:
        bar = click.progressbar(length=posts, label="generating", file=sys.stderr)
        bar.__enter__()
        done = [0]

        def progress(n, total):
            bar.update(n - done[0])
            done[0] = n
    try:
        result = synth.generate(out_dir, posts, seed, irregular=not clean, dup_share=dup_share,
                                jsonl=jsonl, progress=progress)
    except (OSError, ValueError) as exc:
        fail(str(exc))
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(f"{result.posts} posts in {result.files} files, {result.truth_pairs} truth pairs, "
               f"written to {result.out_dir} in {result.seconds:.2f} s")


# --------------------------------------------------------------------------- review queue

def _load_policy_or_fail(policy_file):
    from . import freshness
    try:
        return freshness.load_policy(policy_file)
    except freshness.PolicyError as exc:
        fail(str(exc))


@main.command("queue")
@DB_OPTION
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Compute freshness for this date (default today).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100_000), help="Rows to print.")
@click.option("--offset", default=0, show_default=True, type=click.IntRange(0), help="Rows to skip.")
@click.option("--reason", multiple=True, help="Only posts with this reason code (repeatable).")
@POST_FILTERS
@BAND_FILTER
@click.option("--state", type=click.Choice(domain.STATES), default="open", show_default=True,
              help="Open queue items, decided posts, or both.")
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), default=None,
              help="Policy file (default: $COPYDESK_POLICY, else policy.toml).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
def queue_cmd(db, as_of, limit, offset, reason, site, stack, status, band, state, policy_file, as_json):
    """Print the top of the review queue: priority, post, reasons."""
    import datetime as dt

    from . import queue as queuemod

    policy = _load_policy_or_fail(policy_file)
    day = as_of.date() if as_of else dt.date.today()
    filters = {"reason": list(reason), "site": list(site), "stack": list(stack), "status": list(status),
               "band": list(band), "state": state}
    bad = [r for r in reason if r not in queuemod.REASONS]
    if bad:
        fail(f"unknown reason {bad[0]!r}; one of: {', '.join(queuemod.REASONS)}")
    try:
        with dbmod.session(db, read_only=True) as con:
            total = queuemod.queue_count(con, policy, day, filters)
            rows = queuemod.fetch_page(con, policy, filters, as_of=day, limit=limit, offset=offset)
    except dbmod.DatabaseBusy as exc:
        fail(str(exc))
    if as_json:
        for r in rows.to_dict("records"):
            click.echo(json.dumps({"post_id": r["post_id"], "priority": int(r["priority"]), "site": r["site"],
                                   "status": r["status"], "band": r["band"], "title": r["title"],
                                   "main_reason": r["main_reason"], "reasons": list(r["reasons"]),
                                   "effective_last_reviewed": _day(r["effective_last_reviewed"])}, default=str))
        return
    click.echo(f"{total:,} posts in the queue as of {day.isoformat()} (policy: {policy.source})")
    for r in rows.to_dict("records"):
        click.echo(f"{int(r['priority']):>4}  {terminal_text(r['post_id'])}  [{r['band']}]  "
                   f"{terminal_text('; '.join(r['reasons']))}")


def _day(value) -> str | None:
    """A date or timestamp cell as YYYY-MM-DD (None when blank)."""
    return None if value is None or value != value else str(value)[:10]


@main.command("decide")
@click.argument("post_ids", nargs=-1, required=True)
@DB_OPTION
@click.option("--decision", required=True, type=click.Choice(list(domain.DECISIONS)), help="The decision.")
@click.option("--reviewer", required=True, help="Who decides (recorded with the decision).")
@click.option("--note", default=None, help="A note.")
@click.option("--assignee", default=None, help="Who should act on it.")
@click.option("--merge-into", default=None, metavar="POST_ID", help="For merge: the post to merge into.")
@click.option("--snooze-until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="For snooze: back on this date.")
def decide_cmd(post_ids, db, decision, reviewer, note, assignee, merge_into, snooze_until):
    """Record a review decision for one or more posts (appended to review_decisions)."""
    from . import queue as queuemod

    try:
        ids = queuemod.decide(db, list(post_ids), decision, reviewer, note=note, assignee=assignee,
                              merge_into=merge_into, snooze_until=snooze_until.date() if snooze_until else None)
    except queuemod.DecisionError as exc:
        fail(str(exc))
    except dbmod.DatabaseBusy as exc:
        fail(str(exc))
    click.echo(f"recorded {decision} for {len(ids)} post(s)")


@main.command("policy")
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), default=None,
              help="Policy file (default: $COPYDESK_POLICY, else policy.toml).")
def policy_cmd(policy_file):
    """Print the review policy in force (freshness, bands, thresholds, overrides, priority)."""
    from . import freshness

    for setting, value in freshness.describe(_load_policy_or_fail(policy_file)):
        click.echo(f"{setting}: {value}")


# --------------------------------------------------------------------------- queries

@main.command("queries")
@click.option("--markdown", is_flag=True, help="Print a Markdown table (the README's list is made with it).")
def queries_cmd(markdown):
    """List the named SQL queries in queries/ with their one-line descriptions."""
    from . import queries as q

    named = [x for x in q.all_queries().values()]
    if markdown:
        click.echo(q.markdown_table())
    else:
        width = max(len(x.name) for x in named)
        for x in named:
            click.echo(f"{x.name:<{width}}  {x.doc}")


# --------------------------------------------------------------------------- quality

@main.command("quality")
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def quality_cmd(db, as_json):
    """Recompute copydesk's own quality signals, template sentences and scores; print a summary."""
    import time

    import duckdb

    from . import quality
    from .quality import corpus

    path = dbmod.db_path(db)
    if not path.exists():
        fail(f"database {path} does not exist (run 'copydesk import' first)")
    policy = _load_policy_or_fail(None).quality
    t0 = time.perf_counter()
    try:
        con = dbmod.open_db(path)
    except dbmod.DatabaseBusy as exc:
        fail(str(exc))
    try:
        try:
            corpus.limit_memory(con)
        except duckdb.Error as exc:
            fail(f"COPYDESK_QUALITY_MEMORY is not a memory size DuckDB accepts: {corpus.MEMORY_LIMIT!r} "
                 f"({str(exc).splitlines()[0]})")
        done = quality.recompute(con, policy)
        out = {**quality.summary(con, policy), "analysed": done["analysed"],
               "seconds": round(time.perf_counter() - t0, 2)}
    finally:
        con.close()
    if as_json:
        click.echo(json.dumps(out, default=str))
        return
    click.echo(f"{out['scored']:,} of {out['posts']:,} posts scored in {out['seconds']:.1f} s "
               f"({out['analysed']:,} revisions analysed)")
    click.echo(f"mean computed quality {out['mean_computed_quality']}, recorded {out['mean_recorded_quality']}")
    click.echo(f"computed quality < {policy.computed_low}: {out['computed_low']:,} posts; "
               f"recorded vs computed ≥ {policy.disagreement_margin} apart: {out['disagreements']:,}; "
               f"template share ≥ {policy.template_heavy_share:g}: {out['template_heavy']:,}")
    click.echo(f"template sentences (in > {policy.template_min_posts} posts): {out['template_sentences']:,}")
    for code, n in out["findings"].items():
        click.echo(f"  {code}: {n:,} posts")


# --------------------------------------------------------------------------- duplicates

@main.command("duplicates")
@DB_OPTION
@click.option("--threshold", type=click.FloatRange(0, 100), default=90.0, show_default=True,
              help="Similarity (0-100) at or above which two posts are duplicates.")
@click.option("--floor", type=click.FloatRange(0, 100), default=80.0, show_default=True,
              help="Pairs at or above this similarity are stored (the page's slider range).")
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False), default=None,
              help="Write pairs at or above the threshold to this CSV (post_id_a,post_id_b,similarity,...).")
@click.option("--incremental", is_flag=True,
              help="Compare only posts new or changed since the last run (default: recompute everything).")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@ENGINE_OPTIONS
@click.option("--partitions", type=click.IntRange(1, 1_000_000), default=None,
              help="With --engine dask: partitions of posts (default: 50,000 posts each, at least two per worker).")
def duplicates_cmd(db, threshold, floor, csv_out, incremental, as_json, engine, scheduler, stage_dir, partitions):
    """Find exact, near and title duplicate posts; store pairs and clusters, optionally write a CSV."""
    from . import duplicates

    if floor > threshold:
        fail("--floor must not be above --threshold")
    if engine == "dask" and incremental:
        fail("--incremental runs on the local engine (it compares only new and changed posts); drop --engine dask")
    check_engine_options(engine, scheduler, stage_dir, partitions=partitions)
    path = dbmod.db_path(db)
    if not path.exists():
        fail(f"database {path} does not exist (run 'copydesk import' first)")
    settings = duplicates.Settings(threshold=threshold, floor=floor)
    try:
        con = dbmod.open_db(path)
    except dbmod.DatabaseBusy as exc:
        fail(str(exc))
    try:
        duplicates.queries.run(con, "duplicates/memory_limit")   # keep DuckDB's cache modest
        if engine == "dask":
            from .duplicates import dask_engine
            with cluster_for(scheduler, stage_dir, as_json) as cl:
                summary = duplicates.refresh(con, settings, scan_full=dask_engine.scanner(cl, partitions))
        else:
            summary = duplicates.refresh(con, settings, incremental=incremental)
        if csv_out:
            summary["csv_rows"] = duplicates.export_csv(con, csv_out, threshold)
    finally:
        con.close()
    if as_json:
        click.echo(json.dumps({k: v for k, v in summary.items() if not k.startswith("_")}, default=str))
    else:
        click.echo(f"{summary['mode']} run {summary['run_id']}: {summary.get('posts', 0):,} posts, "
                   f"{summary.get('compared', 0):,} compared, {summary.get('stored_pairs', 0):,} pairs stored "
                   f"(floor {floor:g}), {summary['clusters']:,} clusters at {threshold:g} "
                   f"in {summary['seconds']:.1f} s")
        if csv_out:
            click.echo(f"wrote {summary['csv_rows']:,} pairs to {csv_out}")
