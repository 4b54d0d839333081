"""Import a synthetic corpus with every irregularity; check the ledger and every field against its manifest."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from copydesk.importer import import_paths
from copydesk.synth import generate

JSON_FIELDS = {"entities"}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    generate(out, 600, seed=11)
    db = out / "corpus.duckdb"
    first = import_paths([out / "pages"], db, batch_size=97)
    second = import_paths([out / "pages"], db)
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    return out, db, manifest, first, second


def _norm(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def test_every_file_is_in_the_ledger_and_only_non_posts_rejected(imported):
    out, db, manifest, first, second = imported
    con = duckdb.connect(str(db), read_only=True)
    ledger = dict(con.execute(
        "SELECT source_file, outcome FROM import_files WHERE batch_id = 1").fetchall())
    con.close()
    on_disk = {str(p.resolve()) for p in (out / "pages").rglob("*") if p.is_file()}
    assert set(ledger) == on_disk
    for m in manifest:
        outcome = ledger[str((out / m["file"]).resolve())]
        assert (outcome == "rejected") == (m["expect"] == "reject"), (m["file"], m.get("reason"), outcome)
    assert first.rejected == sum(m["expect"] == "reject" for m in manifest) > 0
    assert (second.imported, second.updated, second.unchanged) == (0, 0, first.imported)


def test_every_field_matches_the_manifest(imported):
    out, db, manifest, *_ = imported
    con = duckdb.connect(str(db), read_only=True)
    cur = con.execute("SELECT * FROM post_revisions")
    cols = [d[0] for d in cur.description]
    revisions = {r["source_file"]: r for r in (dict(zip(cols, row)) for row in cur.fetchall())}
    current = {row[0]: row[1] for row in con.execute("SELECT source_file, post_id FROM posts").fetchall()}
    con.close()
    checked = 0
    for m in manifest:
        if m["expect"] != "post":
            continue
        row = revisions[str((out / m["file"]).resolve())]
        for key, expected in m["fields"].items():
            if key == "post_id" and expected is None:
                assert row["post_id"].startswith("anon-")
                continue
            got = _norm(row[key])
            if key in JSON_FIELDS and got is not None:
                got = json.loads(got)
            assert got == expected, (m["file"], m["irregularities"], key)
            checked += 1
        if m.get("current") is False:
            assert current.get(row["post_id"]) != row["source_file"], m["file"]
    assert checked > 10_000
