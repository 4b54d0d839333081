"""Test support for the review queue: real DuckDB files with posts rows built from DataFrames."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from copydesk import db as dbmod
from sql_support import TESTS

AS_OF = dt.date(2025, 6, 1)
DASHBOARD = Path(__file__).resolve().parent.parent / "dashboard.py"


def open_page(page: str, timeout: int = 60) -> AppTest:
    """The dashboard run from its entry file (shared sidebar, navigation), then switched to
    ``page`` (e.g. ``pages/review_queue.py``) and drawn without an exception."""
    at = AppTest.from_file(str(DASHBOARD), default_timeout=timeout)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def post_row(post_id: str, **over) -> dict:
    """A posts row with harmless defaults: recently reviewed, good scores, no flags."""
    body = over.pop("body", f"body of {post_id}")
    row = {
        "post_id": post_id, "site": "alphanode", "title": f"title {post_id}", "body": body,
        "topic": None, "summary": None, "status": "published", "version": "1.0.0",
        "last_reviewed": AS_OF - dt.timedelta(days=10), "view_count": 100, "reading_time": 5,
        "difficulty": "beginner", "code_language": "python",
        "score_quality": 90, "score_freshness": 95, "score_depth": 90, "score_clarity": 90,
        "ai_generated_style": False, "has_images": False, "image_heavy": False,
        "needs_human_review": False, "stack": ["python"], "tools": [], "checklist": [],
        "entities": None, "reference": None, "content_hash": None, "ai_brief": None,
        "ai_outline": None, "notes": [], "generator": None, "scenario": None, "paragraphs": 3,
        "seed": 1, "has_meta": True, "extra_meta": None, "warnings": [],
        "source_file": f"{post_id}.txt", "source_sha256": None, "article_hash": "x",
        "batch_id": 1, "imported_at": dt.datetime(2025, 5, 1),
    }
    row.update(over)
    if row["source_sha256"] is None:
        row["source_sha256"] = hashlib.sha256((row["title"] + row["body"]).encode()).hexdigest()
    return row


def insert_posts(con, rows: list[dict]) -> None:
    """Insert current posts through a DataFrame (the columns of ``posts``)."""
    cols = [r[0] for r in con.execute("DESCRIBE posts").fetchall() if r[0] != "revision_id"]
    df = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols).astype("object")
    con.register("frame", df)
    try:
        TESTS.run(con, "insert_posts_frame")
    finally:
        con.unregister("frame")


def build_db(path, rows: list[dict]):
    con = dbmod.open_db(path)
    try:
        insert_posts(con, rows)
    finally:
        con.close()
    return path


EXAMPLE = (__import__("pathlib").Path(__file__).resolve().parent.parent / "data" / "example-page.txt")


def page_text(post_id: str, *, title: str | None = None, extra: str = "", flagged: bool = False,
              last_reviewed: str = "2018-02-10", status: str = "drafted", quality: int = 93,
              freshness: int = 48, ai: bool = True, template: bytes | None = None) -> str:
    """A page dump derived from the example page, with the fields the queue cares about replaced."""
    text = (template or EXAMPLE.read_bytes()).decode("utf-8")
    old_title = "next.js notes: handling background jobs on a single vps"
    assert old_title in text and "  • source id: alphanode-006908" in text
    text = text.replace(old_title, title or f"notes on {post_id}", 1)
    text = text.replace("  • source id: alphanode-006908", f"  • source id: {post_id}")
    text = text.replace("  • needs human review: 0", f"  • needs human review: {int(flagged)}")
    text = text.replace("  • last reviewed: 2018-02-10", f"  • last reviewed: {last_reviewed}")
    text = text.replace("  • status: drafted", f"  • status: {status}")
    text = text.replace("  • quality: 93", f"  • quality: {quality}")
    text = text.replace("  • freshness: 48", f"  • freshness: {freshness}")
    text = text.replace("  • ai generated style: 1", f"  • ai generated style: {int(ai)}")
    if extra:
        marker = "this alphanode note walks through a practical approach to next.js on a single vps."
        text = text.replace(marker, marker + " " + extra, 1)
    return text


def write_page(folder, name: str, post_id: str, **kw):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(page_text(post_id, **kw), encoding="utf-8")
    return path
