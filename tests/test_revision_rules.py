"""Which revision of a post is current, pinned with literal cases: the higher version, then the
later `last reviewed` (a dated review beats none), then the later import — in one chunk, across
imports, and when a file changes."""

from __future__ import annotations

import duckdb
import pytest

from copydesk.importer import import_paths
from test_import import make_page


@pytest.fixture
def template(example_page_bytes) -> str:
    return example_page_bytes.decode("utf-8")


def current(db) -> tuple[str, str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT title, CAST(last_reviewed AS VARCHAR) FROM posts").fetchall()
    finally:
        con.close()
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.parametrize("together", [True, False], ids=["one-chunk", "two-imports"])
def test_a_dated_review_beats_never_whatever_the_import_order(tmp_path, db_file, template, together):
    d = tmp_path / "pages"
    d.mkdir()
    (d / "a.txt").write_text(make_page(template, 7, reviewed="2024-01-01", title="reviewed"))
    if not together:
        import_paths([d], db_file, workers=1, after_import=False)
    (d / "b.txt").write_text(make_page(template, 7, reviewed="never", title="never reviewed"))
    import_paths([d], db_file, workers=1, after_import=False)
    assert current(db_file) == ("reviewed", "2024-01-01")


def test_the_later_review_wins_then_the_later_import(tmp_path, db_file, template):
    d = tmp_path / "pages"
    d.mkdir()
    (d / "a.txt").write_text(make_page(template, 7, reviewed="2024-05-01", title="later review"))
    (d / "b.txt").write_text(make_page(template, 7, reviewed="2023-05-01", title="earlier review"))
    import_paths([d], db_file, workers=1, after_import=False)
    assert current(db_file) == ("later review", "2024-05-01")
    (d / "c.txt").write_text(make_page(template, 7, reviewed="2024-05-01", title="same review, imported later"))
    import_paths([d], db_file, workers=1, after_import=False)
    assert current(db_file) == ("same review, imported later", "2024-05-01")
    (d / "d.txt").write_text(make_page(template, 7, version="1.10.0", reviewed="never", title="newer version"))
    import_paths([d], db_file, workers=1, after_import=False)
    assert current(db_file) == ("newer version", None)                     # version first: 1.10.0 > 1.7.2


def test_a_changed_file_is_re_derived_by_the_same_rule(tmp_path, db_file, template):
    d = tmp_path / "pages"
    d.mkdir()
    (d / "a.txt").write_text(make_page(template, 7, reviewed="2024-01-01", title="dated"))
    (d / "b.txt").write_text(make_page(template, 7, reviewed="2022-01-01", title="older"))
    import_paths([d], db_file, workers=1, after_import=False)
    (d / "a.txt").write_text(make_page(template, 7, reviewed="never", title="dated file, review removed"))
    import_paths([d], db_file, workers=1, after_import=False)       # a.txt's new content has no review date
    assert current(db_file) == ("older", "2022-01-01")
