"""The query layer and the queries/ folder: names are paths, fragments are marked, and every
query runs on a small real database (through the product's own flows, or alone)."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest

from copydesk import db as dbmod
from copydesk import duplicates, export, freshness, importer, quality, queries, queue, synth, trends
from copydesk.importer import import_paths
from copydesk.quality import figures

AS_OF = dt.date(2025, 6, 1)
ROOT = queries.ROOT


# --- the layer ------------------------------------------------------------------------------

def test_name_is_the_path_and_every_file_is_described():
    for name, q in queries.all_queries().items():
        assert name == q.path.relative_to(queries.QUERY_DIR).with_suffix("").as_posix()
        assert q.text.splitlines()[0] == f"-- name: {name}"
        assert re.fullmatch(r"[a-z]+/_?[a-z0-9_]+", name), name
        assert len(q.doc) > 10, name
    areas = {n.split("/")[0] for n in queries.all_queries()}
    assert areas == {"schema", "ingest", "review", "trends", "duplicates", "export", "overview", "quality"}


def test_no_benchmark_or_test_sql_in_the_production_set():
    for name, q in queries.all_queries().items():
        assert not re.search(r"\bbench|\bfixture", q.doc, re.I), name


def test_a_wrong_header_is_refused(tmp_path):
    (tmp_path / "area").mkdir()
    (tmp_path / "area" / "one.sql").write_text("-- name: area/two\n-- A description long enough.\nSELECT 1\n")
    with pytest.raises(queries.QueryError, match="its name must be its path"):
        _ = queries.Library(tmp_path).queries
    (tmp_path / "area" / "one.sql").write_text("-- name: area/one\nSELECT 1\n")
    with pytest.raises(queries.QueryError, match="description"):
        _ = queries.Library(tmp_path).queries


def test_placeholders_without_a_default_make_a_fragment(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "wrap.sql").write_text("-- name: a/wrap\n-- Wraps rows in a count.\nSELECT count(*) FROM {{rows}}\n")
    with pytest.raises(queries.QueryError, match="no default"):
        _ = queries.Library(tmp_path).queries
    (tmp_path / "a" / "wrap.sql").rename(tmp_path / "a" / "_wrap.sql")
    (tmp_path / "a" / "_wrap.sql").write_text("-- name: a/_wrap\n-- Wraps rows in a count.\nSELECT count(*) FROM {{rows}}\n")
    (tmp_path / "a" / "nums.sql").write_text("-- name: a/nums\n-- Numbers below $n, for the test.\n"
                                             "SELECT * FROM range($n)\n")
    lib = queries.Library(tmp_path)
    assert lib.get("a/_wrap").fragment and not lib.get("a/nums").fragment
    con = duckdb.connect()
    with pytest.raises(queries.QueryError, match="fragment"):
        lib.run(con, "a/_wrap")
    with pytest.raises(queries.QueryError, match="needs the part"):
        lib.statement("a/_wrap")
    inner = lib.statement("a/nums", {"n": 7, "unused": 1})
    assert inner.params == {"n": 7}                       # only what the text uses is bound
    stmt = lib.statement("a/_wrap", parts={"rows": inner})
    assert stmt.params == {"n": 7} and stmt.scalar(con) == 7 and stmt.includes == {"a/nums"}
    with pytest.raises(queries.QueryError, match=r"needs parameters \['n'\]"):
        lib.statement("a/nums")
    with pytest.raises(queries.QueryError, match="a part must be"):
        lib.statement("a/_wrap", parts={"rows": "SELECT 1; DROP TABLE x"})


def test_defaults_compose_recursively_and_choices_are_a_fixed_list():
    text = queries.compose("review/queue_page")
    assert "{{" not in text and "ORDER BY priority DESC" in text
    assert "ORDER BY title ASC" in queries.compose("review/queue_page", choose={"sort": "title", "direction": "ASC"})
    with pytest.raises(queries.QueryError, match="not one of"):
        queries.compose("review/queue_page", choose={"sort": "title; DROP TABLE posts"})
    # a caller's part replaces the default at any depth
    none = queries.compose("review/queue_count", parts={"duplicate_links": "review/duplicate_links_none"})
    assert "WHERE false" in none and "WHERE false" not in queries.compose("review/queue_count")


def test_no_sql_is_formatted_outside_the_query_layer():
    """One way to run SQL: no '{{' substitutions and no SQL files read anywhere but copydesk/queries.py."""
    for path in [*(ROOT / "copydesk").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "dashboard.py"]:
        if path.name == "queries.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert ".replace(\"{{" not in text and ".replace('{{" not in text, path
        assert ".sql\"" not in text and "*.sql" not in text, path


# --- every query runs -------------------------------------------------------------------------

SAMPLE = {
    "as_of": AS_OF, "batch_id": 1, "decided_at": dt.datetime(2025, 6, 1, 12), "dim": "site", "editor": "dana",
    "filtered": False, "files_seen": 1, "finished_at": dt.datetime(2025, 6, 1, 12), "imported": 1, "limit": 5,
    "max_stacks": 5, "n": 3, "note": None, "offset": 0, "post_id": "nope", "post_id_a": "a", "post_id_b": "b",
    "post_ids": ["nope"], "rejected": 0, "reviewer": "dana", "since": dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc),
    "score_max": 100, "score_min": 0, "score_name": "quality", "site": None,
    "size": "64MB", "source": "test", "started_at": dt.datetime(2025, 6, 1, 12), "status": "finished",
    "threads": 1, "threshold": 90.0, "unchanged": 0, "updated": 0, "verdict": "not_duplicate",
    "verdict_id": 999, "warnings": 0, "limit_bytes": 1,
}


@pytest.fixture(scope="module")
def flows_db(tmp_path_factory):
    """A small real database built by the product's own flows, with the queries they ran."""
    tmp = tmp_path_factory.mktemp("queries")
    corpus = tmp / "corpus"
    synth.generate(corpus, 120, seed=3)
    db = tmp / "q.duckdb"
    changed = sorted((corpus / "pages").rglob("*.txt"))[:8]
    with queries.tracing() as ran:
        import_paths([str(corpus / "pages")], db, workers=1)
        with dbmod.session(db) as con:
            duplicates.refresh(con, duplicates.Settings(), incremental=False)
            ids = [r[0] for r in con.execute("SELECT post_id FROM posts ORDER BY post_id LIMIT 3").fetchall()]
            queue.record_decisions(con, ids[:1], "approve", "dana")
            duplicates.record_verdict(con, "not_duplicate", ids[1], ids[2], editor="dana", threshold=90.0)
            duplicates.find_duplicates_df(con.execute("SELECT post_id, title, body FROM posts").df())
        for path in changed:      # new revisions: the incremental paths (a sentence now in 7 posts: template text)
            path.write_bytes(path.read_bytes().replace(b"\n\n", b"\n\nA new opening sentence.\n\n", 2))
        with pytest.MonkeyPatch.context() as mp:        # known files looked up through the run's index
            mp.setattr(importer, "INDEX_AFTER", 0)
            import_paths([str(corpus / "pages")], db, workers=1)     # (from a window of revisions)
            mp.setattr(importer, "KNOWN_WINDOW", 1)
            import_paths([str(corpus / "pages")], db, workers=1)     # (by their ids)
        extra = tmp / "extra"        # a new file of a post the database holds: its current row is looked up
        extra.mkdir()
        (extra / "copy.txt").write_bytes(changed[1].read_bytes())
        import_paths([str(extra)], db, workers=1)
        (extra / "copy2.txt").write_bytes(changed[1].read_bytes().replace(b"version: ", b"version: 9"))
        with pytest.MonkeyPatch.context() as mp:        # a first import whose chunks replace their posts' rows
            mp.setattr(importer, "CHUNK_SIZE", 1)
            import_paths([str(extra)], tmp / "chunks.duckdb", workers=1, after_import=False)
        with dbmod.session(db) as con:
            duplicates.refresh(con, duplicates.Settings(), incremental=True)
            policy = freshness.Policy()
            trends.page_figures(con, policy, {}, AS_OF, dims=("site",))
            for name in export.VIEWS:
                export.csv_bytes(con, name, {}, AS_OF, policy)
            export.frame_csv_bytes(con.execute("SELECT * FROM posts LIMIT 2").df())
            export.write(con, "posts", tmp / "posts.parquet", "parquet", {}, AS_OF, policy)
            assert trends.posts_count(con, policy, {}, AS_OF) == len(trends.posts_page(con, policy, {}, AS_OF,
                                                                                       limit=10_000))
            queue.fetch_page_with_count(con, policy, {}, as_of=AS_OF)
            quality.corpus.limit_memory(con)             # what `copydesk quality` does
            quality.recompute(con)
            quality.summary(con)
            figures.page_figures(con, policy, {}, AS_OF)   # the Quality page and the quality card
            figures.page_figures(con, policy, {"band": ["stale"]}, AS_OF)     # a sidebar filter: via post_freshness
            figures.breakdown(con, policy, {}, AS_OF, "stack")
            figures.template_sentences(con, 10)
            figures.batch_trend(con, None)
            figures.post_card(con, ids[0])
            figures.sentence_posts(con, [1, 2])
            queue.today_ids(con, policy, AS_OF, {}, "dana", 5)
            queue.decided_since(con, "dana", dt.datetime(2025, 1, 1))
        old = tmp / "first_layout.duckdb"                 # a database of the first layout is migrated
        import_paths([str(changed[0])], old, workers=1, after_import=False)
        con = duckdb.connect(str(old))
        con.execute("CREATE TABLE first_layout_posts AS SELECT * EXCLUDE (revision_id) FROM posts")
        con.execute("DROP VIEW posts")
        con.execute("ALTER TABLE first_layout_posts RENAME TO posts")
        con.execute("ALTER TABLE post_revisions DROP COLUMN is_current")
        con.close()
        dbmod.open_db(old).close()
    return db, ran


def test_every_query_runs_on_a_small_real_database(flows_db):
    db, ran = flows_db
    policy_params = freshness.params(freshness.Policy(), {}, AS_OF)
    standalone, failures = set(), {}
    with dbmod.session(db) as con:
        for name, q in queries.all_queries().items():
            if q.fragment or name in ran:
                continue
            assert not q.inputs, f"{name} reads {sorted(q.inputs)}: no flow of the product ran it"
            con.execute("BEGIN TRANSACTION")
            try:
                queries.run(con, name, **{**SAMPLE, **policy_params}).fetchall()
                standalone.add(name)
            except Exception as exc:                    # collected, reported together below
                failures[name] = str(exc).splitlines()[0]
            finally:
                con.execute("ROLLBACK")
    assert not failures, failures
    every = {n for n, q in queries.all_queries().items() if not q.fragment}
    assert every <= ran | standalone
    fragments = {n for n, q in queries.all_queries().items() if q.fragment}
    assert fragments <= ran, f"fragments no flow composed: {sorted(fragments - ran)}"


def test_bench_and_test_sql_load_through_the_same_layer():
    for folder in ("bench/sql", "tests/sql"):
        lib = queries.Library(ROOT / folder)
        assert lib.queries, folder
        for name in lib.queries:
            assert "/" not in name
