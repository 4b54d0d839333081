"""The ``copydesk`` command line.  Every command's docstring is its ``--help``."""

from __future__ import annotations

import json
import sys

import click

from . import db as dbmod

DB_OPTION = click.option(
    "--db", "db", default=None, metavar="FILE",
    help="DuckDB file (default: $COPYDESK_DB, else ./copydesk.duckdb).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="copydesk")
def main() -> None:
    """copydesk: import page dumps into DuckDB, find what needs a human, export it."""


def fail(message: str, code: int = 2) -> None:
    """Exit with a one-line reason on stderr."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


# Commands are added below, one function per command, each in its own section.


# --------------------------------------------------------------------------- import

@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--strict", is_flag=True, help="Exit 1 when any file was rejected.")
@click.option("--batch-size", default=None, type=click.IntRange(1, 1_000_000),
              help="Files per transaction (default 2000).")
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Parser processes (default: up to 2).")
def import_cmd(paths, db, as_json, strict, batch_size, workers):
    """Import page dumps (.txt), JSON Lines, folders, .zip and .tar.gz archives into the database."""
    from . import importer

    missing = [p for p in paths if not __import__("os").path.exists(p)]
    if missing:
        fail(f"no such file or folder: {missing[0]}")
    show_bar = sys.stderr.isatty() and not as_json
    total = importer.count_items(list(paths)) if show_bar else None
    kwargs = {"workers": workers}
    if batch_size:
        kwargs["batch_size"] = batch_size
    try:
        if show_bar:
            with click.progressbar(length=total or 0, label="importing", file=sys.stderr,
                                   show_pos=True, show_eta=bool(total)) as bar:
                last = [0]

                def progress(done):
                    bar.update(done - last[0])
                    last[0] = done
                summary = importer.import_paths(list(paths), db, progress=progress, **kwargs)
        else:
            summary = importer.import_paths(list(paths), db, **kwargs)
    except KeyboardInterrupt:
        click.echo("interrupted: finished chunks are saved; run the same import again to finish", err=True)
        sys.exit(130)
    except dbmod.DatabaseBusy as exc:
        fail(str(exc))
    except (OSError, ValueError) as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(summary.as_dict(), default=str))
    else:
        rate = summary.files_seen / summary.seconds if summary.seconds else 0
        click.echo(
            f"batch {summary.batch_id}: {summary.files_seen} files seen, {summary.imported} imported, "
            f"{summary.updated} updated, {summary.unchanged} unchanged, {summary.rejected} rejected, "
            f"{summary.warnings} warnings; {summary.posts_total} posts in {dbmod.db_path(db)} "
            f"({summary.seconds:.1f}s, {rate:,.0f} files/s)")
        for rej in summary.rejects[:10]:
            click.echo(f"  rejected {rej['source_file']}: {rej['reason']}")
        if summary.rejected > 10:
            click.echo(f"  … see all rejects: copydesk export import-files --outcome rejected --db {dbmod.db_path(db)}")
    if strict and summary.rejected:
        sys.exit(1)


# --------------------------------------------------------------------------- demo

@main.command("demo")
@DB_OPTION
@click.option("--posts", default=3000, show_default=True, type=click.IntRange(10, 1_000_000),
              help="Synthetic posts in the sample.")
@click.option("--seed", default=7, show_default=True, type=int, help="Seed of the sample.")
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
@click.option("--site", multiple=True, help="Only these sites (repeatable).")
@click.option("--stack", multiple=True, help="Only posts with one of these stacks (repeatable).")
@click.option("--status", multiple=True, help="Only these statuses (repeatable).")
@click.option("--difficulty", multiple=True, help="Only these difficulties (repeatable).")
@click.option("--band", multiple=True, type=click.Choice(["fresh", "aging", "stale", "never"]),
              help="Only these freshness bands (repeatable).")
@click.option("--reviewed-from", type=click.DateTime(["%Y-%m-%d"]), help="Last reviewed on or after (YYYY-MM-DD).")
@click.option("--reviewed-to", type=click.DateTime(["%Y-%m-%d"]), help="Last reviewed on or before (YYYY-MM-DD).")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Compute freshness for this date (default today).")
@click.option("--policy", "policy_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Policy TOML (default: $COPYDESK_POLICY, else policy.toml).")
@click.option("--no-sidecar", is_flag=True, help="Do not write the OUT.json provenance file.")
def export_cmd(name, db, csv_out, parquet_out, site, stack, status, difficulty, band, reviewed_from, reviewed_to,
               as_of, policy_file, no_sidecar):
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
    try:
        policy = freshness.load_policy(policy_file)
        with dbmod.session(path, read_only=True) as con:
            meta = exportmod.write(con, name, out, fmt, filters, as_of.date() if as_of else None, policy,
                                   sidecar=not no_sidecar)
    except (exportmod.ExportError, freshness.PolicyError, dbmod.DatabaseBusy) as exc:
        fail(str(exc))
    click.echo(f"{meta['rows']} rows of {name} written to {out} in {meta['seconds']:.2f} s"
               + ("" if no_sidecar else f" (provenance: {exportmod.sidecar_path(out)})"))
