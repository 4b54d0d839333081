"""The importer's revision rules against a model, over random sequences of imports.

Each step writes or rewrites page files (a few source ids, versions and review dates,
so that revisions compete) and imports the folder with a random chunk size.  After
every import:

* every revision is stored once, the live ones are exactly the files' latest contents
  (known to the model by title), and only a live revision is current;
* ``posts`` holds, per post, the best live revision: higher ``version`` (numerically),
  then later ``last_reviewed``, then the later import (revision order).
"""

from __future__ import annotations

import random
import re

import duckdb
import pytest

from copydesk.importer import import_paths

from test_import import make_page


@pytest.fixture
def template(example_page_bytes) -> str:
    return example_page_bytes.decode("utf-8")

POSTS = (1, 2, 3, 4)
VERSIONS = ("1.9.9", "1.10.0", "2.0.0", "2.0")
REVIEWED = ("2019-01-01", "2021-06-30", "2024-02-29")


def _key(row):
    version, reviewed, imported_at, revision_id = row
    vkey = [int(x) for x in re.findall(r"\d+", version)]
    return (vkey, reviewed, imported_at, revision_id)


@pytest.mark.parametrize("seed", range(12))
def test_current_post_is_the_best_live_revision(seed, tmp_path, template):
    rng = random.Random(seed)
    folder = tmp_path / "pages"
    folder.mkdir()
    db = tmp_path / "model.duckdb"
    latest_title: dict[str, str] = {}          # file name -> title of its latest content
    written = 0
    for step in range(5):
        for _ in range(rng.randint(1, 6)):
            name = f"f{rng.randint(0, 7)}.txt"
            written += 1
            title = f"seed {seed} write {written}"
            page = make_page(template, rng.choice(POSTS), version=rng.choice(VERSIONS),
                             reviewed=rng.choice(REVIEWED), title=title)
            (folder / name).write_text(page)
            latest_title[name] = title
        summary = import_paths([folder], db, workers=1, batch_size=rng.choice((1, 2, 3, 50)),
                               after_import=False)
        assert summary.status == "finished"

        con = duckdb.connect(str(db), read_only=True)
        try:
            ids = con.execute("SELECT revision_id FROM post_revisions").fetchall()
            assert len(ids) == len(set(ids)), "a revision id is used twice"
            assert con.execute("SELECT count(*) FROM post_revisions WHERE is_current AND NOT live").fetchall() == [(0,)]
            live = con.execute("SELECT source_file, title FROM post_revisions WHERE live").fetchall()
            assert sorted((p.rsplit("/", 1)[1], t) for p, t in live) == sorted(latest_title.items()), f"step {step}"
            rows = con.execute("SELECT post_id, version, last_reviewed, imported_at, revision_id "
                               "FROM post_revisions WHERE live").fetchall()
            best: dict[str, tuple] = {}
            for post_id, *rest in rows:
                if post_id not in best or _key(tuple(rest)) > _key(best[post_id]):
                    best[post_id] = tuple(rest)
            current = con.execute("SELECT post_id, revision_id FROM posts").fetchall()
            assert sorted(current) == sorted((pid, r[3]) for pid, r in best.items()), f"step {step}"
            assert con.execute("SELECT count(*) - count(DISTINCT post_id) FROM posts").fetchall() == [(0,)]
        finally:
            con.close()
