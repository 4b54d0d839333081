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
              help="Files per transaction (default 4000).")
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
