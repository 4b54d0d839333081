"""The demo database that ``make run`` builds from the bundled sample in ``data/``.

The sample is the real example page (``data/example-page.txt``) plus a few
thousand synthetic posts generated deterministically into ``data/sample/``
(``copydesk synth``).  They are imported in three batches so that the trend
charts have an import history to show.
"""

from __future__ import annotations

from pathlib import Path

from . import db as dbmod
from .domain import DEMO_POSTS, DEMO_SEED
from .importer import ImportSummary, import_paths

DATA = Path(__file__).resolve().parent.parent / "data"
SAMPLE_POSTS = DEMO_POSTS
SAMPLE_SEED = DEMO_SEED


def sample_dir(posts: int = SAMPLE_POSTS, seed: int = SAMPLE_SEED) -> Path:
    """The generated sample corpus (generated once, then reused)."""
    from .synth import generate

    out = DATA / "sample"
    marker = out / ".generated"
    wanted = f"copydesk synth --posts {posts} --seed {seed}\n"
    if not marker.exists() or marker.read_text() != wanted:
        generate(out, posts, seed)
        marker.write_text(wanted)
    return out


def build_demo(db=None, *, posts: int = SAMPLE_POSTS, seed: int = SAMPLE_SEED,
               force: bool = False, echo=print) -> list[ImportSummary] | None:
    """Build the demo database unless it exists (``force`` rebuilds it)."""
    path = dbmod.db_path(db)
    if path.exists() and not force:
        echo(f"demo: {path} exists; keeping it (copydesk demo --force rebuilds it)")
        return None
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)
    pages = sample_dir(posts, seed) / "pages"
    files = sorted(pages.rglob("*.txt"))
    thirds = [files[: len(files) // 2], files[len(files) // 2: len(files) * 5 // 6], files[len(files) * 5 // 6:]]
    summaries = [import_paths([DATA / "example-page.txt", *thirds[0]], path, source="demo sample, part 1")]
    # The first duplicate detection is a full run; later imports update it incrementally.
    from . import duplicates

    with dbmod.session(path) as con:
        duplicates.refresh(con)
        from . import trends

        trends.record_batch_snapshot(con, summaries[0].batch_id)
    for i, part in enumerate(thirds[1:], start=2):
        summaries.append(import_paths(part, path, source=f"demo sample, part {i}"))
    total = summaries[-1].posts_total
    echo(f"demo: built {path} with {total} posts in {len(summaries)} import batches")
    return summaries
