"""Every CSV the library and the CLI write goes through the one writer (export.copy): titles, notes,
reviewer and assignee names and post ids that start like a formula reach a spreadsheet as text."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from click.testing import CliRunner

from copydesk import db as dbmod
from copydesk import duplicates, export, queue
from copydesk.cli import main
from copydesk.freshness import Policy
from csv_support import HOSTILE, assert_formula_safe
from review_support import AS_OF, build_db, post_row

POL = Policy()


@pytest.fixture
def hostile_db(db_file):
    rows = [post_row(f"p{i}", title=value, needs_human_review=True, body=f"same body text {i // 2}")
            for i, value in enumerate(HOSTILE)]
    rows.append(post_row("=id", title="plain", needs_human_review=True))
    build_db(db_file, rows)
    with dbmod.session(db_file) as con:
        for i, value in enumerate(HOSTILE):
            queue.record_decisions(con, [f"p{i}"], "needs_edits", reviewer=value, note=value, assignee=value)
        duplicates.refresh(con, duplicates.Settings(threshold=50.0, floor=50.0))
        duplicates.record_verdict(con, "canonical", "p0", "p1", editor=HOSTILE[0], threshold=50.0)
    return db_file


def test_queue_and_decision_log_csv(hostile_db):
    with dbmod.session(hostile_db, read_only=True) as con:
        assert_formula_safe(queue.export_csv(con, POL, AS_OF, {"state": "all"}), HOSTILE + ["=id"])
        # notes and names are stored trimmed: the tab and CR ones lose their first character
        trimmed = [v for v in HOSTILE if v == v.strip()]
        rows = assert_formula_safe(queue.decision_log_csv(con), trimmed)
    assert len(rows) == len(HOSTILE)
    assert {r["reviewer"] for r in rows} == {("'" + v) if v in trimmed else v.strip() for v in HOSTILE}


@pytest.mark.parametrize("name", list(export.VIEWS))
def test_every_export_view(hostile_db, tmp_path, name):
    with dbmod.session(hostile_db, read_only=True) as con:
        export.write(con, name, tmp_path / "v.csv", "csv", {}, AS_OF, POL)
    assert_formula_safe((tmp_path / "v.csv").read_bytes())


def test_frames_pages_already_hold():
    df = pd.DataFrame({"title": HOSTILE, "n": range(-3, 3), "tags": [[v] for v in HOSTILE],
                       "when": [dt.date(2025, 1, 1)] * len(HOSTILE)})
    rows = assert_formula_safe(export.frame_csv_bytes(df), HOSTILE)
    assert [r["n"] for r in rows] == ["-3", "-2", "-1", "0", "1", "2"]      # numbers stay numbers


def test_cli_export_and_duplicates_csv(hostile_db, tmp_path):
    for name in ("posts", "review-queue", "decisions"):
        out = tmp_path / f"{name}.csv"
        res = CliRunner().invoke(main, ["export", name, "--db", str(hostile_db), "--csv", str(out),
                                        "--as-of", AS_OF.isoformat()])
        assert res.exit_code == 0, res.output
        assert_formula_safe(out.read_bytes())
    out = tmp_path / "pairs.csv"
    res = CliRunner().invoke(main, ["duplicates", "--db", str(hostile_db), "--threshold", "50", "--floor", "50",
                                    "--csv", str(out)])
    assert res.exit_code == 0, res.output
    rows = assert_formula_safe(out.read_bytes())
    assert rows, "the hostile posts share bodies: pairs expected"
