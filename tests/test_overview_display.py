"""The Overview page reads as values, not as Python: missing values are "—" (never NaT, None or
<NA>), an empty history is a sentence (not a bare grid), and the page says what it covers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from copydesk import db as dbmod
from copydesk.app.common import md_escape
from sql_support import BENCH

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "overview.py")


def test_an_empty_database_has_no_bare_grid(tmp_path, monkeypatch):
    path = tmp_path / "empty.duckdb"
    dbmod.open_db(path).close()
    monkeypatch.setenv("COPYDESK_DB", str(path))
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not at.exception
    assert len(at.dataframe) == 0
    assert any(c.value == md_escape("No import yet.") for c in at.caption)
    assert any("whole database" in c.value for c in at.caption)


def test_a_batch_still_running_shows_a_dash_for_its_end(tmp_path, monkeypatch):
    path = tmp_path / "running.duckdb"
    con = dbmod.open_db(path)
    try:
        con.register("frame", pd.DataFrame({"batch_id": [1, 2], "started_at": [dt.datetime(2025, 6, 1)] * 2,
                                            "finished_at": [dt.datetime(2025, 6, 1, 1), None],
                                            "source": ["a", None], "status": ["finished", "running"]}))
        BENCH.run(con, "insert_batches_frame")
    finally:
        con.close()
    monkeypatch.setenv("COPYDESK_DB", str(path))
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not at.exception
    (history,) = [f for f in at.dataframe if "finished_at" in f.value.columns]
    assert history.value["finished_at"].isna().sum() == 1          # the value is missing …
    assert history.proto.placeholder == "—"                          # … and the grid shows "—"
    assert {f.proto.placeholder for f in at.dataframe} == {"—"}
