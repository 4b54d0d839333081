"""The importer on real DuckDB files and real files on disk."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

import duckdb
import pytest

from copydesk.db import open_db
from copydesk import importer, queries
from copydesk.importer import import_paths
from copydesk.sources import iter_items
from sql_support import q

ROOT = Path(__file__).resolve().parent.parent


def make_page(template: str, n: int, *, version: str = "1.7.2", reviewed: str = "2018-02-10",
              title: str | None = None, extra_body: str = "") -> str:
    text = template.replace("alphanode-006908", f"alphanode-{n:06d}")
    text = text.replace("version: 1.7.2", f"version: {version}")
    text = text.replace("last reviewed: 2018-02-10", f"last reviewed: {reviewed}")
    text = text.replace("view count178481", f"view count{1000 + n}")
    if title:
        text = text.replace("next.js notes: handling background jobs on a single vps", title)
    if extra_body:
        text = text.replace("final notes\n", f"final notes\n\n{extra_body}\n", 1)
    return text


def _backdate(folder: Path) -> None:
    """The files of ``folder`` modified an hour ago: an import then keeps their size and time
    (``importer.RECENT_NS``), and a later one finds them unchanged without reading them."""
    then = time.time() - 3600
    for p in folder.iterdir():
        os.utime(p, (then, then))


@pytest.fixture
def template(example_page_bytes) -> str:
    return example_page_bytes.decode("utf-8")


@pytest.fixture
def corpus(tmp_path, template) -> Path:
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    for n in range(1, 31):
        folder = root / ("sub" if n % 3 == 0 else "")
        (folder / f"{n:03d}_{n:016x}.txt").write_text(make_page(template, n, title=f"post number {n}"))
    (root / "empty.txt").write_bytes(b"")
    (root / "blank.txt").write_text("  \n\n ")
    (root / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + os.urandom(500))
    (root / "nometa.txt").write_text(template.split("alphanode post meta")[0])
    return root


def test_every_file_accounted_for_and_reimport_changes_nothing(corpus, db_file):
    s1 = import_paths([corpus], db_file, batch_size=7, workers=2)
    assert (s1.files_seen, s1.imported, s1.rejected, s1.unchanged) == (34, 31, 3, 0)
    files_on_disk = {str(p.resolve()) for p in corpus.rglob("*") if p.is_file()}
    assert {r[0] for r in q(db_file, "SELECT source_file FROM import_files")} == files_on_disk
    assert q(db_file, "SELECT count(*) FROM posts")[0][0] == 31
    rejected = dict(q(db_file, "SELECT source_file, message FROM import_files WHERE outcome = 'rejected'"))
    assert {Path(k).name for k in rejected} == {"empty.txt", "blank.txt", "image.txt"}
    assert all(rejected.values())
    before = q(db_file, "SELECT * FROM posts ORDER BY post_id")

    s2 = import_paths([corpus], db_file, workers=1)
    assert (s2.imported, s2.updated, s2.unchanged, s2.rejected) == (0, 0, 31, 3)
    assert q(db_file, "SELECT * FROM posts ORDER BY post_id") == before
    assert q(db_file, "SELECT count(*) FROM post_revisions")[0][0] == 31
    batches = q(db_file, "SELECT batch_id, status, files_seen, imported, unchanged, rejected FROM import_batches ORDER BY 1")
    assert batches == [(1, "finished", 34, 31, 0, 3), (2, "finished", 34, 0, 31, 3)]


def test_known_files_found_through_the_run_index_as_by_the_scan(corpus, tmp_path, template, monkeypatch):
    """From its third chunk on, a run into a database holding files looks them up by the hashes of
    their names (one index per run), served from windows of consecutive revisions (several chunks
    a window) or, when a chunk's candidates are spread wider than a window, by their ids; the
    ledger, the revisions and the posts are those of the scan."""
    first = tmp_path / "first.duckdb"
    import_paths([corpus], first, workers=1)
    (corpus / "001_0000000000000001.txt").write_text(make_page(template, 1, title="rewritten", version="1.8.0"))
    (corpus / "sub" / "003_0000000000000003.txt").write_text(make_page(template, 3, title="also rewritten"))
    (corpus / "sub" / "new_a.txt").write_text(make_page(template, 90, title="a new post"))
    (corpus / "zz_new.txt").write_text(make_page(template, 91, title="another new post"))
    (corpus / "004_0000000000000004.txt").unlink()
    monkeypatch.setattr(importer, "CHUNK_SIZE", 4)
    built = []
    real = importer._file_index
    monkeypatch.setattr(importer, "_file_index", lambda con: built.append(1) or real(con))
    served = []
    window = importer._from_window

    def spy(con, state, *args):
        found = window(con, state, *args)
        served.append((found is not None, state.window[0] if state.window else None))
        return found
    monkeypatch.setattr(importer, "_from_window", spy)
    outcomes, ran = {}, {}
    for label, after, size in (("scan", 10**9, importer.KNOWN_WINDOW), ("index", 0, importer.KNOWN_WINDOW),
                               ("by id", 0, 2), ("small windows", 0, 9)):
        db = tmp_path / f"{label}.duckdb"
        db.write_bytes(first.read_bytes())
        monkeypatch.setattr(importer, "INDEX_AFTER", after)
        monkeypatch.setattr(importer, "KNOWN_WINDOW", size)
        served.clear()
        with queries.tracing() as ran[label]:
            s = import_paths([corpus], db, workers=1)
        assert (s.imported, s.updated, s.unchanged, s.rejected) == (2, 2, 28, 3)
        outcomes[label] = (q(db, "SELECT source_file, sha256, outcome, post_id, message FROM import_files "
                                 "ORDER BY ALL"),
                           q(db, "SELECT * EXCLUDE (imported_at, source_mtime_ns) FROM post_revisions ORDER BY revision_id"),
                           q(db, "SELECT post_id, title FROM posts ORDER BY ALL"))
        windows = {first for ok, first in served if ok}
        if label == "index":
            assert [ok for ok, _ in served] == [True] * 9 and len(windows) == 1   # one read for all 9 chunks
        elif label == "by id":
            assert [ok for ok, _ in served].count(False) >= 7      # 4 files a chunk: ids spread wider than 2
        elif label == "small windows":
            assert [ok for ok, _ in served] == [True] * 9 and len(windows) >= 3   # read again as the run goes
    assert built == [1, 1, 1]                       # each index run built it once, for 9 chunks
    assert "ingest/known_files_by_id" not in ran["index"] and "ingest/known_files_by_id" in ran["by id"]
    assert outcomes["index"] == outcomes["scan"] == outcomes["by id"] == outcomes["small windows"]
    assert ("alphanode-000001", "rewritten") in outcomes["index"][2]


def test_a_due_commit_runs_while_the_next_chunks_are_handed_out(tmp_path, template, monkeypatch):
    """With parser processes, a commit that is due (here every 6 files) runs in a thread while
    COMMIT_AHEAD more chunks are listed, looked up (through a second connection) and handed out; it
    is waited for before the next chunk is written.  Nothing is lost, in an import or a re-import;
    with one process the commits are made at once."""
    src = tmp_path / "many"
    src.mkdir()
    for n in range(60):
        (src / f"{n:03d}.txt").write_text(make_page(template, n, title=f"post {n}"))
    _backdate(src)
    monkeypatch.setattr(importer, "CHUNK_SIZE", 3)
    events, mains = [], set()
    real_commit, real_finish, real_known = importer._ImportRun._commit, importer._ImportRun._finish_commit, importer._known

    def commit(self, last=False, background=False):
        events.append(("commit", last, background, len(self.pending)))
        mains.add(id(self.con))
        return real_commit(self, last, background)

    def finish(self):
        if self.committing is not None:
            events.append(("wait", len(self.pending)))
        return real_finish(self)

    def known(con, chunk, state=None):
        events.append(("look-up", id(con)))
        return real_known(con, chunk, state)
    monkeypatch.setattr(importer._ImportRun, "_commit", commit)
    monkeypatch.setattr(importer._ImportRun, "_finish_commit", finish)
    monkeypatch.setattr(importer, "_known", known)
    db = tmp_path / "a.duckdb"
    for round_ in ("import", "re-import"):
        events.clear()
        mains.clear()                   # (the connection lives through the run: no id of it is reused meanwhile)
        s = import_paths([src], db, batch_size=6, workers=2)
        assert (s.imported, s.unchanged, s.files_seen) == ((60, 0, 60) if round_ == "import" else (0, 60, 60))
        assert q(db, "SELECT count(*), count(DISTINCT post_id) FROM posts") == [(60, 60)]
        commits = [e for e in events if e[0] == "commit"]
        assert len(commits) >= 5 and commits[-1] == ("commit", True, False, 0)
        assert all(background for _c, last, background, _n in commits if not last)
        waits = [n for e, *rest in events if e == "wait" for n in rest]
        assert len(waits) >= 4
        assert all(n == 2 + importer.COMMIT_AHEAD for n in waits[:-2])   # 2 workers' chunks + the ones ahead
        # between a commit and its wait, chunks were looked up: through another connection
        during = [e for k, e in enumerate(events) if e[0] == "look-up" and any(
            b[0] == "commit" for b in events[:k]) and events[[j for j in range(k) if events[j][0] in ("commit", "wait")][-1]][0] == "commit"]
        assert len(during) >= 3 * 2 and not any(e[1] in mains for e in during)
    assert q(db, "SELECT count(*) FROM import_files") == [(120,)]
    events.clear()
    s = import_paths([src], tmp_path / "b.duckdb", batch_size=6, workers=1)       # one process: at once
    assert s.imported == 60 and [e for e in events if e[0] == "commit"][0] == ("commit", False, False, 0)
    assert not [e for e in events if e[0] == "wait"]


def _row_groups(con, table: str) -> list[int]:
    return [n for (n,) in con.execute(
        "SELECT max(start + count) - min(start) FROM pragma_storage_info(?) WHERE column_id = 0 "
        "GROUP BY row_group_id ORDER BY row_group_id", [table]).fetchall()]


def test_row_group_rows_is_duckdbs_row_group_size(tmp_path):
    """The batches end by importer.ROW_GROUP_ROWS: it must be the size of DuckDB's row groups."""
    con = duckdb.connect(str(tmp_path / "rg.duckdb"))
    con.execute("CREATE TABLE t AS SELECT range AS i FROM range(?)", [importer.ROW_GROUP_ROWS + 1])
    con.execute("CHECKPOINT")
    assert _row_groups(con, "t") == [importer.ROW_GROUP_ROWS, 1]


def test_the_after_import_stages_get_all_threads_back_only_from_a_row_group_of_revisions(tmp_path, monkeypatch,
                                                                                          example_page_bytes):
    """An import writes on one DuckDB thread; the after-import stages run on all of them in a database
    of at least a row group of revisions, and keep the one below (DuckDB reads each table on one
    thread there).  The database's revisions count, not only this import's."""
    from copydesk import hooks
    seen = []
    run = hooks.run_after_import

    def probe(con, batch_id):
        seen.append(int(con.execute("SELECT current_setting('threads')").fetchall()[0][0]))
        run(con, batch_id)
    monkeypatch.setattr(hooks, "run_after_import", probe)
    src = tmp_path / "pages"
    src.mkdir()
    for i in range(3):
        (src / f"p{i}.txt").write_bytes(example_page_bytes.replace(b"Title:", f"Title: {i}".encode(), 1))
    db = tmp_path / "t.duckdb"
    all_threads = duckdb.connect().execute("SELECT current_setting('threads')").fetchall()[0][0]
    assert all_threads > 1 and importer.THREADS == 1
    monkeypatch.setattr(importer, "ROW_GROUP_ROWS", 5)
    import_paths([src], db, workers=1)                    # 3 revisions: under a "row group" of 5
    (src / "p3.txt").write_bytes(example_page_bytes)
    (src / "p4.txt").write_bytes(example_page_bytes.replace(b"Title:", b"Title: x", 1))
    import_paths([src], db, workers=1)                    # 3 in the database, 5 listed
    one = tmp_path / "one"
    one.mkdir()
    (one / "p5.txt").write_bytes(example_page_bytes.replace(b"Title:", b"Title: y", 1))
    import_paths([one], db, workers=1)                    # 1 listed, but 5 in the database
    assert seen == [1, all_threads, all_threads]


def test_the_parser_processes_are_closed_before_the_after_import_stages_and_joined_after(tmp_path, monkeypatch,
                                                                                       example_page_bytes):
    """A finished import closes its pool of parser processes before the after-import stages (they exit
    meanwhile, freeing their memory on the other core) and joins them at the end: none is left, whether
    the stages succeed or one of them fails."""
    import multiprocessing as mp
    from multiprocessing.pool import CLOSE

    from copydesk import hooks
    from copydesk.errors import ImportFailed
    src = tmp_path / "pages"
    src.mkdir()
    for i in range(6):
        (src / f"p{i}.txt").write_bytes(example_page_bytes.replace(b"Title:", f"Title: {i}".encode(), 1))
    events, pools, fail = [], [], []
    fork_pool, run = hooks.fork_pool, hooks.run_after_import

    def recorded_pool(*args, **kwargs):
        pool = fork_pool(*args, **kwargs)
        join = pool.join
        pool.join = lambda: (events.append("join"), join())
        pools.append(pool)
        return pool

    def probe(con, batch_id):
        events.append(("after-import", pools[-1]._state))
        if fail:
            raise duckdb.IOException("disk full (test)")
        run(con, batch_id)
    monkeypatch.setattr(hooks, "fork_pool", recorded_pool)
    monkeypatch.setattr(hooks, "run_after_import", probe)
    before = set(mp.active_children())
    s = import_paths([src], tmp_path / "ok.duckdb", workers=2)
    assert s.status == "finished" and s.imported == 6
    assert events == [("after-import", CLOSE), "join"] and set(mp.active_children()) == before
    fail.append(True)
    with pytest.raises(ImportFailed, match="after-import stage failed.*disk full"):
        import_paths([src], tmp_path / "failed.duckdb", workers=2)
    assert events[2:] == [("after-import", CLOSE), "join"] and set(mp.active_children()) == before


_AHEAD_PROBE = """
import json, sys
from copydesk import hooks, importer
events = []
fork_pool, hand_out, open_ = hooks.fork_pool, importer._ImportRun._hand_out, importer._open

def recorded_fork(*args, **kwargs):
    events.append(["fork", "duckdb" in sys.modules])
    return fork_pool(*args, **kwargs)

def recorded_hand_out(self, chunk, known):
    events.append(["hand out", len(chunk), known.num_rows])
    return hand_out(self, chunk, known)

def recorded_open(db):
    events.append(["open"])
    return open_(db)
hooks.fork_pool, importer._ImportRun._hand_out, importer._open = recorded_fork, recorded_hand_out, recorded_open
s = importer.import_paths([sys.argv[1]], sys.argv[2], workers=2)
print(json.dumps({"events": events, "imported": s.imported, "batch": s.batch_id}))
"""


def _revisions_and_ledger(db) -> tuple[list, list, list]:
    with duckdb.connect(str(db), read_only=True) as con:
        return (con.execute("SELECT * EXCLUDE (imported_at) FROM post_revisions ORDER BY revision_id").fetchall(),
                con.execute("SELECT * EXCLUDE (recorded_at) FROM import_files ORDER BY source_file").fetchall(),
                con.execute("SELECT * FROM quality_signals ORDER BY revision_id").fetchall())


def test_into_a_new_database_the_first_chunks_are_parsed_before_duckdb_is_loaded(tmp_path, monkeypatch, template):
    """Into a new database file the parser processes are forked before DuckDB is loaded, and get the
    first chunk's worth of files (the ramp: 1/8, 1/8, 1/4, 1/2 of a chunk) before the database is
    opened, as the first batch's with nothing known.  The database is the same as an import into an
    existing (empty) file, where nothing is handed out before the database is open."""
    monkeypatch.setattr(importer, "CHUNK_SIZE", 1000)          # (the ramp: 125, 125, 250, 500)
    src = tmp_path / "pages"
    src.mkdir()
    for n in range(1200):
        (src / f"{n:04d}.txt").write_text(make_page(template, n % 1100, title=f"post {n}", version=f"1.{n}.0"))
    (src / "empty.txt").write_bytes(b"")
    _backdate(src)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    probe = _AHEAD_PROBE.replace("import json, sys", "import json, sys\nimport copydesk.importer as _i; _i.CHUNK_SIZE = 1000")
    out = subprocess.run([sys.executable, "-c", probe, str(src), str(tmp_path / "new.duckdb")], env=env,
                         capture_output=True, text=True, check=True)
    run = json.loads(out.stdout)
    assert run["imported"] == 1200 and run["batch"] == 1
    events = run["events"]
    opened = events.index(["open"])
    assert events[0] == ["fork", False]                             # forked without DuckDB
    assert events[1:opened] == [["hand out", 125, 0], ["hand out", 125, 0], ["hand out", 250, 0], ["hand out", 500, 0]]
    assert [e[1] for e in events[opened + 1:]] == [201]             # (the rest, looked up once the database is open)
    # the same database as an import into an existing file
    existing = tmp_path / "existing.duckdb"
    open_db(existing).close()
    assert not importer._new_file(existing) and importer._new_file(tmp_path / "new2.duckdb")
    s = import_paths([src], existing, workers=2)
    assert s.imported == 1200 and s.batch_id == 1
    new, old = _revisions_and_ledger(tmp_path / "new.duckdb"), _revisions_and_ledger(existing)
    assert len(new[0]) == 1200 and len(new[1]) == 1201 and len(new[2]) == 1200
    assert new == old


def test_chunks_handed_out_ahead_are_parsed_again_when_the_database_was_made_meanwhile(tmp_path, monkeypatch,
                                                                                     template):
    """When the file turns out not to be new once it is opened (another import made it between the
    look and the open), the chunks handed out ahead are forgotten (what they spilled removed) and
    parsed again as this batch's, with what the database knows: unchanged files stay unchanged."""
    monkeypatch.setattr(importer, "CHUNK_SIZE", 40)
    monkeypatch.setattr(importer, "PART_FILES", 10)
    src = tmp_path / "pages"
    src.mkdir()
    for n in range(90):
        (src / f"{n:03d}.txt").write_text(make_page(template, n, title=f"post {n}"))
    _backdate(src)
    db = tmp_path / "a.duckdb"
    assert import_paths([src], db, workers=2).imported == 90
    (src / "005.txt").write_text(make_page(template, 5, title="post 5, changed", version="2.0.0"))
    forgotten, spills = [], []
    forget, spill_dir = importer._ImportRun._forget_ahead, importer._spill_dir

    def recorded_forget(self):
        forgotten.append([len(results) for results, *_rest in self.pending])
        forget(self)

    def recorded_spill_dir():
        spills.append(spill_dir())
        return spills[-1]
    monkeypatch.setattr(importer, "_new_file", lambda db: True)      # as if it had been made meanwhile
    monkeypatch.setattr(importer._ImportRun, "_forget_ahead", recorded_forget)
    monkeypatch.setattr(importer, "_spill_dir", recorded_spill_dir)
    s = import_paths([src], db, workers=2)
    assert forgotten == [[4]]                           # (the first chunk: 40 files in 4 parts)
    assert (s.batch_id, s.imported, s.updated, s.unchanged, s.files_seen) == (2, 0, 1, 89, 90)
    assert q(db, "SELECT count(*), count(DISTINCT source_file) FROM import_files WHERE batch_id = 2") == [(90, 90)]
    assert q(db, "SELECT title FROM posts WHERE source_file LIKE '%005.txt'") == [("post 5, changed",)]
    assert q(db, "SELECT count(*) FROM post_revisions") == [(91,)]
    assert len(spills) == 2 and not any(os.path.exists(d) for d in spills)


def test_a_listing_that_fails_while_chunks_are_handed_out_ahead_fails_the_batch(tmp_path, template):
    """Into a new file the inputs are listed before the database is opened: a listing that fails then
    is raised once the database is open, as ever (the batch recorded as failed, ``error:`` in the CLI)."""
    from copydesk.errors import ImportFailed
    src = tmp_path / "pages"
    src.mkdir()
    (src / "a.txt").write_text(make_page(template, 1))
    db = tmp_path / "new.duckdb"
    with pytest.raises(ImportFailed, match="no such file or folder"):
        import_paths([src, tmp_path / "missing"], db, workers=2)
    assert q(db, "SELECT batch_id, status FROM import_batches") == [(1, "failed")]
    assert q(db, "SELECT count(*) FROM post_revisions") == [(0,)]


def test_duckdb_merges_small_partial_row_groups_at_a_checkpoint_but_not_half_full_ones(tmp_path):
    """What the batches' clean cut (importer._clean_cut) relies on: a transaction appending more than
    a row group leaves its last, partial group in place, and a checkpoint merges adjacent groups that
    fit in fewer, writing them again.  With small partial groups (a batch of 131,072 rows) groups
    are merged and written again; with half-full ones every group stays as the transactions left it."""
    rg = importer.ROW_GROUP_ROWS
    for extra, clean in ((8192, False), (rg // 2 + 1024, True)):
        assert importer._clean_cut(rg + extra) is clean
        con = duckdb.connect(str(tmp_path / f"merge-{extra}.duckdb"))
        con.execute("CREATE TABLE t (i BIGINT, s VARCHAR)")
        for _batch in range(3):
            con.execute("BEGIN TRANSACTION")
            con.execute("INSERT INTO t SELECT range, 'row ' || range FROM range(?)", [rg + extra])
            con.execute("COMMIT")
        con.execute("CHECKPOINT")
        groups = _row_groups(con, "t")
        assert sum(groups) == 3 * (rg + extra)
        if clean:
            assert groups == [rg, extra] * 3
        else:
            assert len(groups) < 2 * 3


def test_a_batch_due_by_size_ends_where_no_table_gets_a_small_partial_row_group(tmp_path, template, monkeypatch):
    """A batch that reaches --batch-size goes on, chunk by chunk, until each table's rows in it
    leave a last row group at least half full (with row groups of 8 rows and batches of 9 files:
    12 files, not 10); at twice the batch size it ends anyway.  Every file is imported once."""
    src = tmp_path / "many"
    src.mkdir()
    for n in range(23):
        (src / f"{n:03d}.txt").write_text(make_page(template, n, title=f"post {n}"))
    commits = []
    real_commit = importer._ImportRun._commit

    def commit(self, last=False, background=False):
        files = sum(f for _c, f, _l in self.tx_chunks)
        commits.append((files, self.tx_revisions, dict(self.tx_stage_rows), last))
        return real_commit(self, last, background)
    monkeypatch.setattr(importer._ImportRun, "_commit", commit)
    cases = (   # row group rows, --batch-size, files per chunk: files per transaction
        (importer.ROW_GROUP_ROWS, 5, 2, [6, 6, 6, 5]),     # batches under a row group: as they come
        (4, 5, 2, [6, 6, 6, 5]),                            # 6 = 4 + 2: a clean cut at once
        (8, 9, 2, [12, 11]),                                # 10 = 8 + 2: on to 12 = 8 + 4
        (5, 6, 2, [8, 8, 7]),                               # 6 = 5 + 1: on to 8 = 5 + 3
        (8, 9, 9, [18, 5]),                                 # 9 = 8 + 1, 18 = 16 + 2: twice the batch size
    )
    for row_group, batch, chunk, sizes in cases:
        monkeypatch.setattr(importer, "ROW_GROUP_ROWS", row_group)
        monkeypatch.setattr(importer, "CHUNK_SIZE", chunk)
        commits.clear()
        db = tmp_path / f"rg{row_group}-{batch}-{chunk}.duckdb"
        s = import_paths([src], db, batch_size=batch, workers=1)
        assert s.imported == 23 and q(db, "SELECT count(*), count(DISTINCT post_id) FROM posts") == [(23, 23)]
        assert q(db, "SELECT count(*) FROM quality_signals") == [(23,)]
        assert [files for files, *_ in commits] == sizes, (row_group, batch, chunk)
        for files, revisions, stage_rows, last in commits:
            assert revisions == files and stage_rows == {"quality_signals": files}
            if not last and files < 2 * batch:
                assert files >= batch and importer._clean_cut(files)


def test_candidates_of_a_hash_shared_by_several_names_are_all_asked_for():
    import numpy as np
    index = (np.array([1, 2, 2, 5], dtype=np.uint64), np.array([10, 20, 21, 50]), True)
    hashes = np.array([2, 3, 5, 0, 2], dtype=np.uint64)
    assert sorted(importer._candidates(index, hashes).tolist()) == [20, 20, 21, 21, 50]
    assert importer._candidates(index, np.array([], dtype=np.uint64)).tolist() == []
    unshared = (np.array([1, 2, 5], dtype=np.uint64), np.array([10, 20, 50]), False)
    assert sorted(importer._candidates(unshared, np.array([9, 2, 5, 0, 3], dtype=np.uint64)).tolist()) == [20, 50]
    assert importer._candidates(unshared, np.array([], dtype=np.uint64)).tolist() == []


def test_changed_file_updates_its_post(corpus, db_file, template):
    import_paths([corpus], db_file, workers=1)
    target = corpus / "001_0000000000000001.txt"
    target.write_text(make_page(template, 1, title="post number 1, rewritten", version="1.8.0"))
    s = import_paths([corpus], db_file, workers=1)
    assert (s.updated, s.imported, s.unchanged) == (1, 0, 30)
    assert (s.posts_new, s.posts_replaced) == (0, 1)
    assert q(db_file, "SELECT title, version FROM posts WHERE post_id = 'alphanode-000001'") == [
        ("post number 1, rewritten", "1.8.0")]
    assert q(db_file, "SELECT count(*), count(*) FILTER (live) FROM post_revisions WHERE post_id = 'alphanode-000001'") == [(2, 1)]


def test_newer_revision_wins_and_history_is_kept(tmp_path, db_file, template):
    d = tmp_path / "revs"
    d.mkdir()
    (d / "a.txt").write_text(make_page(template, 7, version="1.10.0", reviewed="2019-01-01", title="v1.10"))
    (d / "b.txt").write_text(make_page(template, 7, version="1.9.9", reviewed="2024-01-01", title="v1.9.9"))
    (d / "c.txt").write_text(make_page(template, 8, version="2.0.0", reviewed="2019-01-01", title="older review"))
    (d / "d.txt").write_text(make_page(template, 8, version="2.0.0", reviewed="2020-06-01", title="newer review"))
    s = import_paths([d], db_file, workers=1)
    assert (s.posts_new, s.posts_replaced) == (2, 0)      # two revisions of one new post: new, not replaced
    assert q(db_file, "SELECT post_id, title FROM posts ORDER BY 1") == [
        ("alphanode-000007", "v1.10"), ("alphanode-000008", "newer review")]
    assert q(db_file, "SELECT count(*) FROM post_revisions")[0][0] == 4
    # a later import of a lower version does not take over
    e = tmp_path / "later"
    e.mkdir()
    (e / "e.txt").write_text(make_page(template, 7, version="1.2.0", reviewed="2025-01-01", title="old version"))
    s = import_paths([e], db_file, workers=1)
    assert (s.imported, s.posts_new, s.posts_replaced) == (1, 0, 0)
    assert q(db_file, "SELECT title FROM posts WHERE post_id = 'alphanode-000007'") == [("v1.10",)]
    # same version and review date: the later import wins
    (e / "f.txt").write_text(make_page(template, 8, version="2.0.0", reviewed="2020-06-01", title="reimported"))
    s = import_paths([e], db_file, workers=1)
    assert (s.posts_new, s.posts_replaced) == (0, 1)
    assert q(db_file, "SELECT title FROM posts WHERE post_id = 'alphanode-000008'") == [("reimported",)]


def test_post_without_source_id_gets_a_stable_id(tmp_path, db_file, template):
    d = tmp_path / "anon"
    d.mkdir()
    article = template.split("alphanode post meta")[0]
    (d / "x.txt").write_text(article)
    import_paths([d], db_file, workers=1)
    first = q(db_file, "SELECT post_id FROM posts")[0][0]
    d2 = tmp_path / "anon2"
    d2.mkdir()
    (d2 / "y.txt").write_text("| | |\n\n" + article + "\r\n")
    import_paths([d2], db_file, workers=1)
    assert q(db_file, "SELECT DISTINCT post_id FROM posts") == [(first,)]
    assert first.startswith("anon-")


def test_zip_and_tar_gz_are_read_in_place(tmp_path, db_file, template):
    zpath = tmp_path / "pages.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        for n in range(1, 6):
            zf.writestr(f"dump/{n:03d}.txt", make_page(template, n))
        zf.writestr("dump/empty.txt", "")
        zf.writestr("dump/bomb.txt", b"\0" * (80 * 1024 * 1024))      # 80 MiB of zeros
        zf.writestr("dump/records.jsonl", json.dumps({"post_id": "j-1", "title": "from a zip", "body": "b"}) + "\n")
    tpath = tmp_path / "pages.tar.gz"
    with tarfile.open(tpath, "w:gz") as tf:
        for n in range(6, 9):
            data = make_page(template, n).encode()
            info = tarfile.TarInfo(f"t/{n:03d}.txt")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    before = set(os.listdir(tmp_path))
    s = import_paths([zpath, tpath], db_file, workers=1)
    assert set(os.listdir(tmp_path)) - {db_file.name, db_file.name + ".wal"} == before - {db_file.name}
    assert (s.imported, s.rejected) == (9, 2)
    rows = dict(q(db_file, "SELECT source_file, message FROM import_files WHERE outcome = 'rejected'"))
    bomb = [m for k, m in rows.items() if k.endswith("::dump/bomb.txt")]
    assert bomb and "bomb" in bomb[0]
    assert q(db_file, "SELECT count(*) FROM posts")[0][0] == 9
    assert q(db_file, "SELECT source_file FROM posts WHERE post_id = 'j-1'")[0][0].endswith("pages.zip::dump/records.jsonl:1")
    s2 = import_paths([zpath, tpath], db_file, workers=1)
    assert (s2.unchanged, s2.imported) == (9, 0)


def test_json_lines(tmp_path, db_file):
    path = tmp_path / "posts.jsonl"
    records = [
        {"post_id": "j-1", "site": "s", "title": "one", "body": "first", "stack": ["go", "k8s"],
         "last_reviewed": "2021-03-04", "view_count": 10, "needs_human_review": True},
        {"post_id": "j-2", "title": "two", "body": "second", "score_quality": "n/a", "surprise": 5},
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n\n{not json\n")
    s = import_paths([path], db_file, workers=1)
    assert (s.imported, s.rejected) == (2, 1)
    assert q(db_file, "SELECT post_id, stack, last_reviewed::VARCHAR, needs_human_review FROM posts ORDER BY 1")[0] == (
        "j-1", ["go", "k8s"], "2021-03-04", True)
    assert q(db_file, "SELECT extra_meta->>'surprise', len(warnings) FROM posts WHERE post_id = 'j-2'") == [("5", 1)]
    assert q(db_file, "SELECT message FROM import_files WHERE outcome = 'rejected'")[0][0].startswith("not valid JSON")


def test_interrupted_import_resumes(tmp_path, template):
    """Kill an import mid-way: finished chunks stay, the rest is done by running it again."""
    d = tmp_path / "many"
    d.mkdir()
    for n in range(3000):
        (d / f"{n:05d}.txt").write_text(make_page(template, n, title=f"title {n}"))
    db = tmp_path / "kill.duckdb"
    proc = subprocess.Popen([sys.executable, "-m", "copydesk", "import", str(d), "--db", str(db),
                             "--batch-size", "10", "--workers", "1"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline and not db.exists() and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(1.0)     # a few dozen chunks in
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = q(db, "SELECT count(*) FROM import_files")[0][0]
    assert done % 10 == 0 and q(db, "SELECT count(*) FROM posts")[0][0] == done
    assert done < 3000, "the import finished before it could be killed"
    s = import_paths([d], db, workers=2)
    assert (s.unchanged, s.imported) == (done, 3000 - done)
    assert q(db, "SELECT count(*) FROM posts")[0][0] == 3000


def test_killed_batch_of_several_chunks_is_undone_whole(tmp_path, template, monkeypatch):
    """A transaction spans several parsed chunks (here 5 of 10 files, with 2 parser
    processes): a kill undoes the unfinished batch whole, and the next import finishes the
    job and removes the chunk files the killed one left behind.  (Its chunk folder is in a
    temporary folder of this test's own: an import of another test running meanwhile removes the
    folders of dead imports it finds in /dev/shm and its temporary folder.)"""
    private = tmp_path / "tmp"
    private.mkdir()
    d = tmp_path / "many"
    d.mkdir()
    for n in range(4000):
        (d / f"{n:05d}.txt").write_text(make_page(template, n, title=f"title {n}"))
    db = tmp_path / "kill.duckdb"
    code = ("import sys, time\n"
            "from copydesk import importer\n"
            "importer.CHUNK_SIZE = 10\n"
            "importer.SHM_NEEDED = float('inf')\n"
            "importer.import_paths([sys.argv[1]], sys.argv[2], batch_size=50, workers=2, yield_every=0)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(d), str(db)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ, TMPDIR=str(private)))

    def left_behind():
        return [p for p in os.listdir(private) if p.startswith(f"copydesk-import-{proc.pid}-")]

    deadline = time.time() + 60          # the parser processes are running once their chunk folder exists
    while time.time() < deadline and not left_behind() and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = q(db, "SELECT count(*) FROM import_files")[0][0]
    assert done < 4000, "the import finished before it could be killed"
    assert done % 50 == 0 and q(db, "SELECT count(*) FROM posts")[0][0] == done
    assert q(db, "SELECT sum(files_seen) FROM import_batches")[0][0] == done
    assert len(left_behind()) == 1
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    monkeypatch.setattr(importer, "SHM_NEEDED", float("inf"))
    s = import_paths([d], db, workers=2)
    assert (s.unchanged, s.imported) == (done, 4000 - done)
    assert q(db, "SELECT count(*) FROM posts")[0][0] == 4000
    assert left_behind() == []


def test_a_chunk_parsed_in_parts_is_numbered_as_if_parsed_whole(corpus, tmp_path, monkeypatch):
    """The parser processes parse a chunk in parts (here chunks of 10 files in parts of 3): the
    revision ids, the per-post signals and the ledger are those of the chunks parsed whole (one
    process), though rejected files sit inside the parts and leave no id."""
    whole, in_parts = tmp_path / "whole.duckdb", tmp_path / "parts.duckdb"
    monkeypatch.setattr(importer, "CHUNK_SIZE", 10)
    import_paths([corpus], whole, workers=1)
    monkeypatch.setattr(importer, "PART_FILES", 3)
    loaded = []
    load = importer._load_spilled
    monkeypatch.setattr(importer, "_load_spilled", lambda revs, **k: (loaded.append(revs), load(revs, **k))[1])
    import_paths([corpus], in_parts, workers=2)
    assert len(loaded) == 14                       # 34 files: chunks of 10, 10, 10, 4 in 4 + 4 + 4 + 2 parts
    names = [Path(i.source_file).name for i in iter_items([corpus])]
    rejected = {"empty.txt", "blank.txt", "image.txt"}
    assert any(name in rejected for chunk in range(0, 34, 10) for name in names[chunk:chunk + 6])
    revisions = "SELECT * EXCLUDE (imported_at, source_mtime_ns) FROM post_revisions ORDER BY revision_id"
    ids = [r[0] for r in q(whole, "SELECT revision_id FROM post_revisions ORDER BY 1")]
    assert len(ids) == 31 and ids != list(range(ids[0], ids[0] + 31))       # the rejects left gaps
    assert q(in_parts, revisions) == q(whole, revisions)
    signals = "SELECT * FROM quality_signals ORDER BY revision_id"
    assert q(in_parts, signals) == q(whole, signals) and len(q(whole, signals)) == 31
    ledger = "SELECT * EXCLUDE (recorded_at) FROM import_files ORDER BY source_file"
    assert q(in_parts, ledger) == q(whole, ledger)


def test_chunks_reach_the_main_process_without_shared_memory(corpus, db_file, tmp_path, monkeypatch):
    """With too little room in /dev/shm the chunk files go to the temporary folder, and a
    chunk file that cannot be written is sent through the pipe instead: same result."""
    monkeypatch.setattr(importer, "SHM_NEEDED", 2**62)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    handed_over = []
    load = importer._load_spilled
    monkeypatch.setattr(importer, "_load_spilled", lambda revs, **k: (handed_over.append(revs), load(revs, **k))[1])
    s = import_paths([corpus], db_file, batch_size=7, workers=2)
    assert (s.imported, s.rejected) == (31, 3)
    assert handed_over and all(str(p).startswith(str(tmp_path)) for p in handed_over)
    assert q(db_file, "SELECT count(*) FROM posts")[0][0] == 31
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("copydesk-import-")]

    items = list(iter_items([corpus]))[:5]
    revs, ledger, counts = importer.process_chunk(items, {}, 1, 1, importer._now(),
                                                  spill_to=str(tmp_path / "missing" / "chunk.arrow"))
    assert revs.num_rows == counts["imported"] == 5 - counts["rejected"]



def test_a_written_chunk_is_not_held_in_memory_until_the_commit(corpus, db_file, tmp_path, monkeypatch):
    """The main process maps each parsed chunk from its parser process's file; once the chunk is
    written, nothing keeps that mapping (DuckDB holds a registered table until the transaction ends:
    the chunks of a batch would all stay in memory until its COMMIT)."""
    import gc
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(importer, "SHM_NEEDED", 1 << 62)        # spill files in tmp_path, not /dev/shm
    monkeypatch.setattr(importer, "CHUNK_SIZE", 5)               # several chunks in one transaction
    mapped_before_write = []
    write = importer._write_chunk

    def spy(con, *args, **kwargs):
        gc.collect()
        with open("/proc/self/maps") as maps:
            files = {line.split()[-1] for line in maps if "copydesk-import-" in line}
        mapped_before_write.append(len(files))
        return write(con, *args, **kwargs)
    monkeypatch.setattr(importer, "_write_chunk", spy)
    s = import_paths([corpus], db_file, batch_size=1000, workers=2)
    assert (s.imported, s.rejected) == (31, 3)
    assert len(mapped_before_write) == 7 and max(mapped_before_write) == 1     # only the chunk being written
    assert q(db_file, "SELECT count(*) FROM posts")[0][0] == 31


def _age(root: Path, seconds: float) -> None:
    """Set every file's modification time ``seconds`` back (as a corpus copied long ago)."""
    then = time.time() - seconds
    for p in root.rglob("*"):
        if p.is_file():
            os.utime(p, (then, then))


def _count_reads(monkeypatch) -> list:
    reads = []
    real = importer._read

    def spy(item):
        reads.append(item.source_file)
        return real(item)
    monkeypatch.setattr(importer, "_read", spy)
    return reads


def test_a_file_with_the_size_and_time_it_had_is_unchanged_without_being_read(corpus, db_file, monkeypatch):
    """Re-import: a file the database holds, still of the size and modification time it had when
    it was read, is not read again; its ledger row repeats the sha256 read then.  A file whose
    time moved is read (and updated when its bytes changed, even at the same size)."""
    _age(corpus, 3600)
    s1 = import_paths([corpus], db_file, workers=1)
    assert (s1.imported, s1.rejected) == (31, 3)
    assert q(db_file, "SELECT count(*) FROM post_revisions WHERE source_mtime_ns IS NOT NULL "
                      "AND source_size IS NOT NULL")[0][0] == 31
    assert "source_mtime_ns" not in [c[0] for c in q(db_file, "DESCRIBE posts")]
    reads = _count_reads(monkeypatch)
    s2 = import_paths([corpus], db_file, workers=1)
    assert (s2.imported, s2.updated, s2.unchanged, s2.rejected) == (0, 0, 31, 3)
    assert sorted(Path(r).name for r in reads) == ["blank.txt", "empty.txt", "image.txt"]   # no revision: read
    ledger = q(db_file, "SELECT batch_id, source_file, sha256, size_bytes FROM import_files "
                        "WHERE outcome IN ('imported', 'unchanged') ORDER BY source_file, batch_id")
    first = {src: (sha, size) for batch, src, sha, size in ledger if batch == s1.batch_id}
    again = {src: (sha, size) for batch, src, sha, size in ledger if batch == s2.batch_id}
    assert again == first and len(first) == 31

    # same size, other bytes, and a modification time that moved: read, and updated
    victim = next(p for p in sorted(corpus.glob("*.txt")) if p.name.startswith("001_"))
    data = victim.read_bytes()
    edited = data.replace(b"post number 1\n", b"post NUMBER 1\n", 1)
    assert edited != data and len(edited) == len(data)
    victim.write_bytes(edited)
    then = time.time() - 1800
    os.utime(victim, (then, then))
    reads.clear()
    s3 = import_paths([corpus], db_file, workers=1)
    assert (s3.updated, s3.unchanged) == (1, 30)
    assert sorted(Path(r).name for r in reads) == sorted(["blank.txt", victim.name, "empty.txt", "image.txt"])
    assert q(db_file, "SELECT title FROM posts WHERE source_file = ?", str(victim.resolve())) == [("post NUMBER 1",)]


def test_files_still_as_read_are_taken_in_one_pass_with_the_same_ledger_in_input_order(corpus, db_file):
    """A parser process takes the files of its part that still have the size and time they were read
    with in one pass (``_still_as_read``: columns, not a Python loop per file), and the others one by
    one.  Revisions, ledger (row for row, in the inputs' order) and counts are those of comparing
    every file one by one, whether the part comes as items or as a string of paths."""
    _age(corpus, 3600)
    import_paths([corpus], db_file, workers=1)
    pages = sorted(corpus.rglob("0*.txt"))
    touched, edited = pages[4], pages[11]
    then = time.time() - 1800
    os.utime(touched, (then, then))                       # time moved, same bytes: read, unchanged
    edited.write_bytes(edited.read_bytes().replace(b"post number", b"post NUMBER", 1))
    os.utime(edited, (then, then))                        # other bytes: read, updated
    (corpus / "sub" / "900_new.txt").write_bytes(pages[0].read_bytes().replace(b"post number 1\n", b"post new\n"))
    items = list(iter_items([corpus]))
    con = duckdb.connect(str(db_file))
    try:
        known = importer._known(con, items)
    finally:
        con.close()
    assert known.num_rows == 31
    now = importer._now()
    probe = importer._ChunkLedger(9, now)
    places, rest, _rows = importer._still_as_read(items, known, probe)
    assert (len(places), rest.num_rows, probe.counts["unchanged"]) == (29, 2, 29)
    one_pass = importer._process_chunk(items, known, 9, 1000, now)
    one_by_one = importer._process_chunk(items, importer._known_dict(known), 9, 1000, now)
    assert one_pass[2] == one_by_one[2]
    assert (one_pass[2]["unchanged"], one_pass[2]["updated"], one_pass[2]["imported"], one_pass[2]["rejected"]) \
        == (30, 1, 1, 3)
    assert one_pass[1].equals(one_by_one[1])
    assert one_pass[1].column("source_file").to_pylist() == [i.source_file for i in items]
    assert one_pass[0].drop_columns("source_mtime_ns").equals(one_by_one[0].drop_columns("source_mtime_ns"))
    assert one_pass[0].column("source_file").to_pylist() == [str(edited), str(corpus / "sub" / "900_new.txt")]
    paths = [i.path for i in items if i.kind == "page" and i.path == i.source_file]
    packed = importer._process_chunk(paths, importer._known_of(known, 0, len(items)), 9, 1000, now)
    keep = [i for i, item in enumerate(items) if item.path == item.source_file and item.kind == "page"]
    assert packed[1].equals(one_pass[1].take(keep))


def test_a_file_read_just_after_it_was_written_is_read_again(corpus, db_file, monkeypatch):
    """A file modified moments before it was read may change again within its time's granularity:
    its time is not kept (NULL), and the next import reads it (and finds it unchanged)."""
    monkeypatch.setattr(importer, "RECENT_NS", 10**15)         # every file "just written" (the same on a slow machine)
    s1 = import_paths([corpus], db_file, workers=1)
    assert s1.imported == 31
    assert q(db_file, "SELECT count(source_mtime_ns), count(source_size) FROM post_revisions")[0] == (0, 31)
    reads = _count_reads(monkeypatch)
    s2 = import_paths([corpus], db_file, workers=1)
    assert (s2.unchanged, len(reads)) == (31, 34)


def test_a_database_without_the_file_times_gets_them(corpus, db_file):
    """A database made before post_revisions kept the files' size and time: opened, it gains the
    two columns, NULL for the revisions it holds (their files are read and hashed, as before)."""
    _age(corpus, 3600)
    import_paths([corpus], db_file, workers=1)
    con = duckdb.connect(str(db_file))
    con.execute("ALTER TABLE post_revisions DROP COLUMN source_size")
    con.execute("ALTER TABLE post_revisions DROP COLUMN source_mtime_ns")
    con.close()
    s2 = import_paths([corpus], db_file, workers=1)
    assert (s2.unchanged, s2.rejected) == (31, 3)
    assert q(db_file, "SELECT count(source_mtime_ns) FROM post_revisions")[0][0] == 0
    assert q(db_file, "SELECT count(*) FROM posts")[0][0] == 31

def test_cli_import_json_and_exit_codes(corpus, db_file, tmp_path):
    cmd = [sys.executable, "-m", "copydesk"]
    r = subprocess.run(cmd + ["import", str(corpus), "--db", str(db_file), "--json"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["imported"] == 31 and out["rejected"] == 3 and out["files_seen"] == 34
    assert (out["posts_new"], out["posts_replaced"]) == (31, 0)
    r = subprocess.run(cmd + ["import", str(corpus), "--db", str(db_file), "--strict"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 1 and "31 unchanged" in r.stdout and "3 rejected" in r.stdout
    assert "0 posts new, 0 replaced by a newer revision" in r.stdout
    r = subprocess.run(cmd + ["import", str(tmp_path / "nope"), "--db", str(db_file)],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.strip().startswith("error: no such file")
    env = dict(os.environ, COPYDESK_DB=str(tmp_path / "env.duckdb"))
    r = subprocess.run(cmd + ["import", str(corpus)], cwd=ROOT, capture_output=True, text=True, env=env)
    assert r.returncode == 0 and (tmp_path / "env.duckdb").exists()


# A CLI command run in a fresh interpreter; then whether it loaded pandas, and pyarrow converting
# pandas objects afterwards (an Int64 Series with a NULL, a categorical) as it does with pandas loaded.
PANDAS_PROBE = r"""
import json, sys
from copydesk import cli
try:
    cli.main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
loaded = "pandas" in sys.modules
import pandas as pd, pyarrow as pa
ints = pa.array(pd.Series([1, None, 3], dtype="Int64"))
cats = pa.array(pd.Series(["a", "b", "a"], dtype="category"))
print(json.dumps({"pandas": loaded, "ints": [str(ints.type), ints.null_count], "cats": str(cats.type)}))
"""


def _python(code: str, *args: str, env: dict | None = None) -> str:
    """What ``code`` prints, run in a fresh interpreter (with ``args``; ``env``: its environment)."""
    r = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _probe(*args: str) -> dict:
    return json.loads(_python(PANDAS_PROBE, *args).strip().splitlines()[-1])


def test_an_import_makes_no_dataframe_and_pandas_works_after_it(corpus, db_file, template):
    """`copydesk import` (parser processes and after-import stages) never loads pandas (0.2 s of every
    import, issue 13); pyarrow, told there is none, still converts pandas objects once it is loaded."""
    with_pandas = {"ints": ["int64", 1], "cats": "dictionary<values=large_string, indices=int8, ordered=0>"}
    first = _probe("import", str(corpus), "--db", str(db_file), "--workers", "2", "--json")
    assert first == {"pandas": False, **with_pandas}
    assert q(db_file, "SELECT count(*) FROM posts")[0][0] == 31
    assert q(db_file, "SELECT count(*) FROM batch_metrics")[0][0] == 1
    assert q(db_file, "SELECT count(*) FROM batch_site_metrics WHERE batch_id = 1")[0][0] >= 1
    assert q(db_file, "SELECT count(*) FROM quality_signals")[0][0] == 31
    # once near-duplicate detection has run, the next import compares new posts (with pandas)
    r = subprocess.run([sys.executable, "-m", "copydesk", "duplicates", "--db", str(db_file)], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    (corpus / "900_0000000000000384.txt").write_text(make_page(template, 900, title="post number 1"))
    second = _probe("import", str(corpus), "--db", str(db_file), "--workers", "2", "--json")
    assert second == {"pandas": True, **with_pandas}
    assert q(db_file, "SELECT count(*) FROM posts")[0][0] == 32
    assert q(db_file, "SELECT count(*) FROM batch_metrics")[0][0] == 2


def test_pandas_looked_up_then_imported_after_pyarrow_was_told_there_is_none():
    """pyarrow_without_pandas(), then a look-up of pandas that does not import it (find_spec, as a
    library checking what is installed does), then the import: pyarrow converts pandas objects."""
    code = ("import importlib.util, sys, pyarrow as pa\n"
            "from copydesk.arrays import pyarrow_without_pandas\n"
            "pyarrow_without_pandas()\n"
            "assert 'pandas' not in sys.modules and not pa.lib._pandas_api.have_pandas\n"
            "assert importlib.util.find_spec('pandas') is not None and 'pandas' not in sys.modules\n"
            "import pandas as pd\n"
            "print(pa.array(pd.Series([1, None], dtype='Int64')).type, pd.DataFrame({'a': [1]}).shape)\n")
    assert _python(code).split() == ["int64", "(1,", "1)"]


def test_the_command_line_starts_no_openblas_thread_unless_asked():
    """The `copydesk` command loads numpy with one OpenBLAS thread (its others spin ~0.1 s of CPU after
    they start, on the core an import's parser processes start on); a user's own setting stands."""
    code = "import os, copydesk.cli, numpy\nprint(os.environ['OPENBLAS_NUM_THREADS'], len(os.listdir('/proc/self/task')))"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    assert _python(code, env=env).split() == ["1", "1"]          # the setting, and no thread but the main one
    assert _python(code, env={**env, "OPENBLAS_NUM_THREADS": "3"}).split()[0] == "3"


def test_a_path_given_twice_or_nested_is_imported_once(corpus, db_file):
    s = import_paths([corpus, corpus / "sub", corpus / "sub" / "003_0000000000000003.txt", corpus], db_file, workers=1)
    assert (s.files_seen, s.imported, s.rejected) == (34, 31, 3)
    assert q(db_file, "SELECT count(*), count(DISTINCT source_file) FROM post_revisions") == [(31, 31)]


def test_revisions_split_across_chunks_of_a_first_import(tmp_path, db_file, template):
    """The fast path of an import into an empty database still picks the newer revision."""
    d = tmp_path / "split"
    d.mkdir()
    (d / "a.txt").write_text(make_page(template, 5, version="2.0.0", title="newer"))
    for n in range(6, 12):
        (d / f"b{n}.txt").write_text(make_page(template, n))
    (d / "z.txt").write_text(make_page(template, 5, version="1.0.0", title="older"))
    import_paths([d], db_file, workers=1, batch_size=3)
    assert q(db_file, "SELECT title FROM posts WHERE post_id = 'alphanode-000005'") == [("newer",)]
    assert q(db_file, "SELECT count(*) FROM posts")[0][0] == 7


def test_a_first_import_finds_current_rows_by_revision_id_as_the_scan_would(tmp_path, template, monkeypatch):
    """Into an empty database the importer tracks the current revision of each post it wrote and
    looks it up by id; into a database that had files it scans post_revisions for it.  Chunks of
    2 files, a post's revisions spread over them (a newer one later, then an older one): both
    paths flag the same current rows."""
    d = tmp_path / "spread"
    d.mkdir()
    (d / "a.txt").write_text(make_page(template, 5, version="2.0.0", title="first"))
    (d / "b.txt").write_text(make_page(template, 6, version="1.0.0", title="six"))
    (d / "c.txt").write_text(make_page(template, 7, version="1.0.0", title="seven"))
    (d / "m.txt").write_text(make_page(template, 5, version="3.0.0", title="newest"))
    (d / "n.txt").write_text(make_page(template, 6, version="0.9.0", title="six, older"))
    (d / "z.txt").write_text(make_page(template, 5, version="1.0.0", title="oldest"))
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.txt").write_text(make_page(template, 99, title="unrelated"))
    monkeypatch.setattr(importer, "CHUNK_SIZE", 2)
    ran = []
    run = queries.run
    monkeypatch.setattr(queries, "run", lambda con, name, *a, **k: (ran.append(name), run(con, name, *a, **k))[1])
    fresh, scanned = tmp_path / "fresh.duckdb", tmp_path / "scanned.duckdb"
    import_paths([d], fresh, workers=1)
    assert "ingest/retire_revisions" in ran and "ingest/retire_current" not in ran
    import_paths([other], scanned, workers=1)
    ran.clear()
    import_paths([d], scanned, workers=1)
    assert "ingest/retire_current" in ran and "ingest/retire_revisions" not in ran
    current = "SELECT post_id, title, is_current FROM post_revisions WHERE post_id <> 'alphanode-000099' ORDER BY ALL"
    assert q(fresh, current) == q(scanned, current)
    assert q(fresh, "SELECT post_id, title FROM posts ORDER BY 1") == [
        ("alphanode-000005", "newest"), ("alphanode-000006", "six"), ("alphanode-000007", "seven")]


def test_a_database_of_the_first_layout_is_migrated(tmp_path, db_file, template):
    """Before revisions were stored once, posts was a table holding a second copy of every
    current revision; opening such a file migrates it without loss."""
    d = tmp_path / "old"
    d.mkdir()
    (d / "a.txt").write_text(make_page(template, 7, version="1.10.0", title="v1.10"))
    (d / "b.txt").write_text(make_page(template, 7, version="1.9.9", title="v1.9.9"))
    (d / "c.txt").write_text(make_page(template, 8, title="eight"))
    import_paths([d], db_file, workers=1, after_import=False)
    con = duckdb.connect(str(db_file))
    every_revision = con.execute("SELECT * EXCLUDE (is_current) FROM post_revisions ORDER BY revision_id").fetchall()
    posts = con.execute("SELECT * FROM posts ORDER BY post_id").fetchall()
    con.execute("CREATE TABLE first_layout_posts AS SELECT * EXCLUDE (revision_id) FROM posts")
    con.execute("DROP VIEW posts")
    con.execute("ALTER TABLE first_layout_posts RENAME TO posts")
    con.execute("ALTER TABLE post_revisions DROP COLUMN is_current")
    con.close()

    open_db(db_file).close()                                          # migrates
    assert q(db_file, "SELECT * EXCLUDE (is_current) FROM post_revisions ORDER BY revision_id") == every_revision
    assert q(db_file, "SELECT * FROM posts ORDER BY post_id") == posts
    assert q(db_file, "SELECT table_type FROM information_schema.tables WHERE table_name = 'posts'") == [("VIEW",)]

    (d / "c.txt").write_text(make_page(template, 8, title="eight, changed"))
    s = import_paths([d], db_file, workers=1, after_import=False)
    assert (s.unchanged, s.updated) == (2, 1)
    assert q(db_file, "SELECT post_id, title, revision_id FROM posts ORDER BY 1") == [
        ("alphanode-000007", "v1.10", 1), ("alphanode-000008", "eight, changed", 4)]
    assert q(db_file, "SELECT revision_id, live, is_current FROM post_revisions ORDER BY 1") == [
        (1, True, True), (2, True, False), (3, False, False), (4, True, True)]


def test_the_schema_is_made_in_one_transaction(tmp_path, monkeypatch):
    """A new database gets its whole schema in one transaction (one write of DuckDB's log rather
    than one per statement), so a schema that fails part-way leaves nothing half-made, and the
    next open makes all of it."""
    from copydesk import db as dbmod
    path = tmp_path / "new.duckdb"
    run, last = queries.run, dbmod.schema_queries()[-1]

    def failing(con, name, *a, **k):
        if name == last:
            raise duckdb.IOException("disk full (simulated)")
        return run(con, name, *a, **k)
    monkeypatch.setattr(queries, "run", failing)
    with pytest.raises(duckdb.IOException):
        open_db(path)
    monkeypatch.undo()
    assert q(path, "SELECT count(*) FROM duckdb_tables() WHERE NOT internal") == [(0,)]
    open_db(path).close()
    tables = q(path, "SELECT table_name FROM duckdb_tables() WHERE NOT internal ORDER BY 1")
    assert ("post_revisions",) in tables and ("quality_scores",) in tables, tables


def test_long_texts_are_stored_with_zstd(corpus, db_file):
    """``body``, ``summary`` and ``ai_outline`` are stored with zstd (README, *post_revisions*): what
    DuckDB picks for templated bodies (dictionary + FSST) doubled the last commit of a 20k import; the
    other columns keep DuckDB's choice.  The texts read back as written."""
    import_paths([corpus], db_file, workers=1)
    used = dict(q(db_file, "SELECT column_name, string_agg(DISTINCT compression, ',') FROM "
                           "pragma_storage_info('post_revisions') WHERE segment_type IN ('VARCHAR', 'JSON') "
                           "GROUP BY 1"))
    assert all(used[name] == "ZSTD" for name in ("body", "summary", "ai_outline")), used
    assert "ZSTD" not in used["post_id"] and "ZSTD" not in used["source_file"], used
    from copydesk.parse import parse_page
    rows = q(db_file, "SELECT source_file, body, summary, ai_outline FROM posts ORDER BY post_id")
    assert len(rows) > 20
    for source_file, body, summary, outline in rows:
        parsed = parse_page(Path(source_file).read_bytes())
        assert (body, summary) == (parsed["body"], parsed["summary"]) and body
        assert (None if outline is None else json.loads(outline)) == parsed["ai_outline"]


def test_no_connection_prints_a_progress_bar(tmp_path):
    """DuckDB's Python client prints a progress bar to stdout for a query of over 2 s (it once
    appeared before the JSON of `copydesk import --json` at 100k posts): every copydesk connection,
    to a file or in memory, turns it off."""
    from copydesk import db as dbmod
    for opened in (lambda: dbmod.connect(tmp_path / "x.duckdb"),
                   lambda: dbmod.connect(tmp_path / "x.duckdb", read_only=True), dbmod.memory):
        con = opened()
        try:
            assert con.execute("SELECT current_setting('enable_progress_bar')").fetchone() == (False,)
        finally:
            con.close()


def test_a_folder_of_plain_pages_is_listed_as_one_list_of_paths_and_chunked_the_same(tmp_path, template):
    """iter_items(runs=True): a folder holding only plain pages (regular .txt files, ASCII paths) comes
    as the list of their paths; any other folder as items, one by one.  The names, their order and
    the chunks cut from them are those of the items; a path alone packs, looks up and parses as its
    page's item does."""
    root = tmp_path / "c"
    for folder, names in {"a": ["1.txt", "2.TXT", "3.txt"], "b": ["4.txt", "notes.md", "5.txt"],
                          "b/inner": ["6.txt"], "c": ["7.txt", "caf\u00e9.txt"], "d": [f"{n:02d}.txt" for n in range(20)],
                          "e": ["8.txt"]}.items():
        (root / folder).mkdir(parents=True)
        for name in names:
            (root / folder / name).write_text(make_page(template, len(name), title=f"post {folder} {name}"))
    (root / "e" / "link.txt").symlink_to(root / "a" / "1.txt")
    items = list(iter_items([root]))
    runs = list(iter_items([root], runs=True))
    # a, b/inner and d (b holds a sub-folder and a .md file, c a non-ASCII name, e a symlink)
    assert [len(r) for r in runs if type(r) is list] == [3, 1, 20]
    assert runs[0] == [str(root / "a" / n) for n in ("1.txt", "2.TXT", "3.txt")]
    assert importer._names([x for r in runs for x in (r if type(r) is list else [r])]) == [i.source_file for i in items]
    for size in (1, 2, 3, 7, 1000):
        by_items = [[i.source_file for i in c] for c in importer._chunks(iter(items), size)]
        by_runs = [importer._names(c) for c in importer._chunks(iter(runs), size)]
        assert by_runs == by_items, size
    chunk = next(importer._chunks(iter(runs), 1000))
    assert sum(type(x) is str for x in chunk) == 24 and len(chunk) == len(items)
    assert importer._pack(chunk) == [(i.source_file, i.kind, i.path, i.data, i.size, i.reject) for i in items]
    assert importer._pack(runs[0]) == importer._pack([i for i in items if "/a/" in i.source_file])
    now = importer._now()
    _r, by_paths, counts, _e = importer._parse_chunk(chunk, {}, 1, 1, now)
    _r, by_items, _c, _e = importer._parse_chunk(items, {}, 1, 1, now)
    assert by_paths.equals(by_items) and counts["imported"] == len(items) - 1      # (notes.md: rejected)


def test_a_chunk_of_folder_pages_goes_to_a_parser_process_as_one_string(corpus, tmp_path):
    """Pages of a folder are handed over as their paths joined by NUL (no file name holds one);
    a chunk with anything else (an archive member, a reject, a name that is not its path) as
    tuples.  Either way the parser process sees the same items and writes the same ledger."""
    pages = [i for i in iter_items([corpus]) if i.kind == "page" and not i.reject]
    packed = importer._pack(pages)
    assert isinstance(packed, str) and packed.split("\0") == [i.path for i in pages]
    (tmp_path / "odd").mkdir()
    odd = tmp_path / "odd" / "caf\udce9.txt"   # a name that is not UTF-8: stored as an escape, read by its path
    odd.write_bytes((corpus / "001_0000000000000001.txt").read_bytes())
    mixed = pages[:3] + list(iter_items([tmp_path / "odd"]))
    assert mixed[-1].source_file != mixed[-1].path and isinstance(importer._pack(mixed), list)
    now = importer._now()
    for items in (pages, mixed):
        _revs, by_pack, _counts, _extras = importer._process_packed(importer._pack(items), {}, 1, 1, now)
        _revs, direct, _counts, _extras = importer._parse_chunk(items, {}, 1, 1, now)
        assert by_pack.to_pylist() == direct.to_pylist() and by_pack.num_rows == len(items)
