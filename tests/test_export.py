"""Named exports: real DuckDB files, real CSV / Parquet files on disk, counts checked with SQL."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from copydesk import cli, export, trends
from copydesk import db as dbmod
from trends_support import AS_OF, FORMULA_POSTS, make_db

REQUIRED = ("posts", "review-queue", "stale-drafts", "near-duplicates", "decisions", "scores-by-month",
            "import-files")


@pytest.fixture(scope="module")
def dbpath(tmp_path_factory):
    path = make_db(tmp_path_factory.mktemp("export") / "e.duckdb", 1200, snapshots=True)
    con = dbmod.connect(path)
    try:
        # a near-duplicate pair, its cluster and a detection run; a decision; two ledger rows
        con.from_df(pd.DataFrame({"post_id_a": ["evil-1"], "post_id_b": ["evil-2"], "similarity": [97.5],
                                  "title_similarity": [80.0], "kind": ["near"], "run_id": [1]})
                    ).insert_into("near_duplicates")
        con.from_df(pd.DataFrame({"cluster_id": [1, 1], "post_id": ["evil-1", "evil-2"], "cluster_size": [2, 2],
                                  "is_canonical": [True, False], "canonical_post_id": ["evil-1", "evil-1"],
                                  "reason": ["more views", None], "threshold": [90.0, 90.0], "run_id": [1, 1]})
                    ).insert_into("duplicate_clusters")
        runs = pd.DataFrame({"run_id": [1], "mode": ["full"], "started_at": [dt.datetime(2025, 7, 1)]})
        con.register("runs", runs)
        con.execute("INSERT INTO duplicate_runs BY NAME SELECT * FROM runs")
        # a template sentence of the corpus (as copydesk.quality records one), starting like a formula
        con.execute("INSERT INTO template_sentence_counts VALUES (42, 9)")
        con.execute("INSERT INTO template_sentence_texts VALUES (42, '=shared sentence of nine posts.', 'evil-1')")
        con.execute("INSERT INTO review_decisions (post_id, decision, note, reviewer, decided_at) "
                    "VALUES ('evil-3', 'approve', '=1+1 looks fine', 'ana', TIMESTAMP '2025-07-01 10:00:00')")
        con.from_df(pd.DataFrame({"batch_id": [1, 2], "source_file": ["a.txt", "=b.txt"], "sha256": ["x", "y"],
                                  "size_bytes": [10, 20], "outcome": ["imported", "rejected"], "post_id": ["p1", None],
                                  "warnings": [0, 1], "message": [None, "bad date"],
                                  "recorded_at": [dt.datetime(2025, 6, 1), dt.datetime(2025, 7, 1)]})
                    ).insert_into("import_files")
    finally:
        con.close()
    return path


@pytest.fixture
def con(dbpath):
    with dbmod.session(dbpath, read_only=True) as c:
        yield c


def read_csv(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def sql_count(con, sql: str, params=None) -> int:
    return con.execute(sql, params or {}).fetchone()[0]


def test_every_required_view_exists():
    assert set(REQUIRED) <= set(export.VIEWS)


@pytest.mark.parametrize("name", list(export.VIEWS))
def test_every_view_exports_csv_and_parquet_with_the_same_rows(con, tmp_path, name):
    csv_meta = export.write(con, name, tmp_path / f"{name}.csv", "csv", {}, AS_OF)
    pq_meta = export.write(con, name, tmp_path / f"{name}.parquet", "parquet", {}, AS_OF)
    rows = read_csv(tmp_path / f"{name}.csv")
    table = pq.read_table(tmp_path / f"{name}.parquet")
    assert csv_meta["rows"] == len(rows) == table.num_rows == pq_meta["rows"]
    assert rows, f"{name} exported no rows on a database that has data for it"
    assert list(rows[0]) == table.column_names          # header row = the columns


def test_posts_export_counts_match_sql_for_filters(con, tmp_path):
    filters = {"site": ["docs.example"], "stack": ["python"], "status": ["published"]}
    meta = export.write(con, "posts", tmp_path / "p.csv", "csv", filters, AS_OF)
    expected = sql_count(con, "SELECT count(*) FROM posts WHERE site = 'docs.example' "
                              "AND list_contains(stack, 'python') AND status = 'published'")
    assert expected > 0
    assert meta["rows"] == len(read_csv(tmp_path / "p.csv")) == expected
    dated = export.write(con, "posts", tmp_path / "d.csv", "csv",
                         {"reviewed_from": dt.date(2024, 1, 1), "reviewed_to": "2024-12-31"}, AS_OF)
    assert dated["rows"] == sql_count(
        con, "SELECT count(*) FROM posts WHERE last_reviewed BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'")


def test_scores_by_month_sums_to_reviewed_posts(con, tmp_path):
    export.write(con, "scores-by-month", tmp_path / "m.csv", "csv", {"site": "blog.example"}, AS_OF)
    rows = read_csv(tmp_path / "m.csv")
    assert sum(int(r["posts"]) for r in rows) == sql_count(
        con, "SELECT count(*) FROM posts WHERE site = 'blog.example' AND last_reviewed IS NOT NULL")
    months = [r["month"] for r in rows]
    assert months == sorted(months) and all(m.endswith("-01") for m in months)


def test_formula_like_text_cells_are_neutralised_in_csv(con, tmp_path):
    export.write(con, "posts", tmp_path / "p.csv", "csv", {}, AS_OF)
    rows = {r["post_id"]: r for r in read_csv(tmp_path / "p.csv") if r["post_id"].startswith("evil-")}
    assert rows["evil-1"]["title"] == "'=HYPERLINK(\"http://x\",\"click\")"
    assert rows["evil-1"]["site"] == "'=cmd|'/C calc'!A0"
    assert rows["evil-2"]["title"] == "'+SUM(1,2)"
    assert rows["evil-3"]["title"] == "'-2+3"
    assert rows["evil-4"]["title"] == "'@import, \"quoted\"\nnext line"     # quotes and newline survive
    # lists are joined with "; " and the joined text is neutralised as a whole
    assert rows["evil-1"]["stack"] == "'=python; react"
    assert rows["evil-3"]["stack"] == "'\tpython"
    assert rows["evil-1"]["warnings"] == "'\rcarriage"
    assert rows["evil-4"]["stack"] == ""
    # numbers stay numbers: a negative view count is not touched
    assert rows["evil-1"]["view_count"] == "-5"
    # ordinary text is unchanged
    assert rows["evil-4"]["site"] == "docs.example"
    for r in rows.values():                                   # no cell starts with a formula character
        for value in r.values():
            assert not value[:1] in ("=", "+", "@", "\t", "\r") or value == "", value


def test_parquet_keeps_raw_values_and_list_types(con, tmp_path):
    export.write(con, "posts", tmp_path / "p.parquet", "parquet", {}, AS_OF)
    df = pq.read_table(tmp_path / "p.parquet").to_pandas()
    evil = df.set_index("post_id").loc["evil-1"]
    assert evil["title"] == FORMULA_POSTS.loc[0, "title"]
    assert list(evil["stack"]) == ["=python", "react"]


def test_decisions_and_import_files_are_neutralised_too(con, tmp_path):
    export.write(con, "decisions", tmp_path / "d.csv", "csv", {}, AS_OF)
    (row,) = read_csv(tmp_path / "d.csv")
    assert row["note"] == "'=1+1 looks fine" and row["post_id"] == "evil-3"
    export.write(con, "import-files", tmp_path / "f.csv", "csv", {}, AS_OF)
    assert [r["source_file"] for r in read_csv(tmp_path / "f.csv")] == ["a.txt", "'=b.txt"]


def test_near_duplicates_export_joins_titles_and_follows_filters(con, tmp_path):
    meta = export.write(con, "near-duplicates", tmp_path / "n.csv", "csv", {}, AS_OF)
    (row,) = read_csv(tmp_path / "n.csv")
    assert (row["post_id_a"], row["post_id_b"], row["kind"]) == ("evil-1", "evil-2", "near")
    assert row["title_b"] == "'+SUM(1,2)" and row["cluster_id"] == "1"
    none = export.write(con, "near-duplicates", tmp_path / "n2.csv", "csv", {"site": ["blog.example"]}, AS_OF)
    assert meta["rows"] == 1 and none["rows"] == 0


def test_review_queue_and_stale_drafts_follow_the_queue_module(con, tmp_path):
    from copydesk import queue
    policy = trends.load_policy()
    filters = {"site": ["docs.example"]}
    meta = export.write(con, "review-queue", tmp_path / "q.csv", "csv", filters, AS_OF, policy)
    assert meta["rows"] == queue.queue_count(con, policy, AS_OF, filters) > 0
    stale = export.write(con, "stale-drafts", tmp_path / "s.csv", "csv", filters, AS_OF, policy)
    expected = len(queue.stale_drafts(con, policy, AS_OF, filters))
    assert stale["rows"] == expected > 0
    assert all(r["status"] in policy.draft_statuses for r in read_csv(tmp_path / "s.csv"))


def test_sidecar_says_where_the_export_came_from(con, tmp_path):
    out = tmp_path / "p.csv"
    meta = export.write(con, "posts", out, "csv", {"stack": ["python"], "reviewed_from": dt.date(2024, 1, 1)}, AS_OF)
    side = json.loads(export.sidecar_path(out).read_text(encoding="utf-8"))
    assert side["view"] == "posts" and side["format"] == "csv" and side["file"] == "p.csv"
    assert side["rows"] == meta["rows"] == len(read_csv(out))
    assert side["filters"] == {"stack": ["python"], "reviewed_from": "2024-01-01"}
    assert side["as_of"] == AS_OF.isoformat()
    assert side["policy"]["stale_after_days"] == trends.load_policy().stale_after_days
    assert side["latest_import_batch"]["batch_id"] == 2
    assert "single quote" in side["csv_rules"]
    assert dt.datetime.fromisoformat(side["created_at"])


def test_csv_bytes_is_the_same_csv(con, tmp_path):
    export.write(con, "scores-by-site", tmp_path / "s.csv", "csv", {}, AS_OF, sidecar=False)
    assert export.csv_bytes(con, "scores-by-site", {}, AS_OF) == (tmp_path / "s.csv").read_bytes()
    assert not export.sidecar_path(tmp_path / "s.csv").exists()


def test_unknown_view_and_missing_tables_are_errors(tmp_path, con):
    with pytest.raises(export.ExportError, match="unknown export"):
        export.write(con, "nope", tmp_path / "x.csv")
    bare = tmp_path / "bare.duckdb"
    c = dbmod.connect(bare)
    c.execute("CREATE TABLE posts (post_id VARCHAR)")
    with pytest.raises(export.ExportError, match="needs table"):
        export.write(c, "near-duplicates", tmp_path / "x.csv")
    c.close()


def test_cli_export_writes_csv_parquet_and_sidecar(dbpath, tmp_path, con):
    runner = CliRunner()
    out = tmp_path / "posts.csv"
    res = runner.invoke(cli.main, ["export", "posts", "--db", str(dbpath), "--csv", str(out),
                                   "--site", "docs.example", "--site", "learn.example", "--as-of", "2025-07-01"])
    assert res.exit_code == 0, res.output
    expected = sql_count(con, "SELECT count(*) FROM posts WHERE site IN ('docs.example', 'learn.example')")
    assert f"{expected} rows of posts written" in res.output
    assert len(read_csv(out)) == expected
    assert json.loads((tmp_path / "posts.csv.json").read_text())["filters"]["site"] == ["docs.example",
                                                                                        "learn.example"]
    pout = tmp_path / "q.parquet"
    res = runner.invoke(cli.main, ["export", "review-queue", "--db", str(dbpath), "--parquet", str(pout),
                                   "--band", "never", "--as-of", "2025-07-01", "--no-sidecar"])
    assert res.exit_code == 0, res.output
    assert set(pq.read_table(pout).column("band").to_pylist()) == {"never"}
    assert not (tmp_path / "q.parquet.json").exists()


def test_cli_export_rejects_bad_arguments(dbpath, tmp_path):
    runner = CliRunner()
    both = runner.invoke(cli.main, ["export", "posts", "--db", str(dbpath), "--csv", "a", "--parquet", "b"])
    assert both.exit_code == 2 and "exactly one of --csv" in both.output
    unknown = runner.invoke(cli.main, ["export", "nope", "--db", str(dbpath), "--csv", str(tmp_path / "a")])
    assert unknown.exit_code == 2
    missing = runner.invoke(cli.main, ["export", "posts", "--db", str(tmp_path / "none.duckdb"), "--csv", "a"])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    helptext = runner.invoke(cli.main, ["export", "--help"]).output
    assert all(name in helptext for name in REQUIRED)
