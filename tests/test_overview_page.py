"""The dashboard's overview page through Streamlit's AppTest, on a real database."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from copydesk.importer import import_paths

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def small_db(tmp_path, monkeypatch, example_page_bytes):
    pages = tmp_path / "pages"
    pages.mkdir()
    text = example_page_bytes.decode()
    for n, status in enumerate(["drafted", "published", "in review", "published"], start=1):
        page = text.replace("alphanode-006908", f"alphanode-{n:06d}").replace("status: drafted", f"status: {status}")
        if n == 2:
            page = page.replace("last reviewed: 2018-02-10", "last reviewed: never")
        if n == 3:
            page = page.replace("alphanode post meta", "betasite post meta").replace("needs human review: 0", "needs human review: 1")
        (pages / f"{n:03d}.txt").write_text(page)
    (pages / "empty.txt").write_text("")
    db = tmp_path / "overview.duckdb"
    import_paths([pages], db, workers=1)
    monkeypatch.setenv("COPYDESK_DB", str(db))
    return db


def run_app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_overview_shows_what_the_database_holds(small_db):
    at = run_app()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Posts"] == "4"
    assert metrics["Sites"] == "2"
    assert metrics["Flagged for review"] == "1"
    assert metrics["Never reviewed"] == "1"
    assert metrics["Drafts"] == "2"
    frames = [df.value for df in at.dataframe]
    history = [v for v in frames if "files_seen" in v.columns]
    assert history and int(history[0]["rejected"].iloc[0]) == 1
    rejected = [v for v in frames if "reason" in v.columns]
    assert rejected and rejected[0]["reason"].iloc[0] == "empty file"


def test_overview_without_database_explains_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("COPYDESK_DB", str(tmp_path / "missing.duckdb"))
    at = run_app()
    assert any("make run" in w.value for w in at.warning)
    assert not (tmp_path / "missing.duckdb").exists()


def test_upload_imports_files(small_db, example_page_bytes, tmp_path):
    """The upload path: the same function the page's button calls, with real bytes."""
    from copydesk.sources import iter_upload

    page = example_page_bytes.decode().replace("alphanode-006908", "alphanode-777777").encode()
    items = list(iter_upload("new.txt", page)) + list(iter_upload("junk.txt", b"\x00\x01\x02"))
    s = import_paths([], small_db, items=items, workers=1, source="upload")
    assert (s.imported, s.rejected) == (1, 1)
    con = duckdb.connect(str(small_db), read_only=True)
    name = f"upload:{hashlib.sha256(page).hexdigest()[:16]}/new.txt"      # named by its content
    assert con.execute("SELECT source_file FROM posts WHERE post_id = 'alphanode-777777'").fetchall() == [(name,)]
    con.close()
