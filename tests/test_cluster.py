"""The Dask engine on a real LocalCluster (two worker processes, shared by the module; a test that
kills a worker has its own): the same near-duplicate pairs and clusters, the same imported rows,
clean failures."""

from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import dask
import pandas as pd
import pytest
from click.testing import CliRunner

import duplicates_support
from copydesk import cluster as clustermod
from copydesk import db as dbmod
from copydesk import duplicates as dup
from copydesk import importer, synth
from copydesk.cli import main
from copydesk.duplicates import dask_engine
from duplicates_support import insert_posts

small_corpus = duplicates_support.small_corpus      # fixture

pytestmark = pytest.mark.slow

PAIRS = "SELECT post_id_a, post_id_b, similarity, title_similarity, kind FROM near_duplicates ORDER BY 1, 2"
CLUSTERS = ("SELECT cluster_id, post_id, cluster_size, is_canonical, canonical_post_id, reason "
            "FROM duplicate_clusters ORDER BY cluster_id, post_id")


@contextmanager
def _local_cluster():
    """A LocalCluster of 2 worker processes, 1 thread each, closed on exit."""
    from distributed import LocalCluster
    lc = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        yield lc
    finally:
        lc.close()


@contextmanager
def _connected(lc, tmp_path: Path):
    """A copydesk Cluster connected to ``lc`` once both its workers are up, staging under tmp_path."""
    with clustermod.connect(lc.scheduler_address, str(tmp_path / "stage")) as cl:
        cl.client.wait_for_workers(2, timeout=30)
        yield cl


@pytest.fixture(scope="module")
def local_cluster():
    """One LocalCluster for the whole module."""
    with _local_cluster() as lc:
        yield lc


@pytest.fixture
def on_cluster(local_cluster, tmp_path):
    """A copydesk Cluster connected to the module's LocalCluster."""
    with _connected(local_cluster, tmp_path) as cl:
        yield cl


@pytest.fixture
def own_cluster(tmp_path):
    """For a test that kills a worker: a LocalCluster of its own and a copydesk Cluster connected to
    it, as (LocalCluster, Cluster).  It is closed after the test, so no later test waits for the
    worker its nanny restarts (once more than 150 s in CI)."""
    with _local_cluster() as lc, _connected(lc, tmp_path) as cl:
        yield lc, cl


def _db(tmp_path: Path, name: str, posts: pd.DataFrame) -> Path:
    path = tmp_path / name
    with dbmod.session(path) as con:
        dbmod.ensure_schema(con)
        insert_posts(con, posts)
    return path


def _result(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    with dbmod.session(path, read_only=True) as con:
        return con.execute(PAIRS).df(), con.execute(CLUSTERS).df()


def _state(path: Path) -> list:
    with dbmod.session(path, read_only=True) as con:
        return con.execute("SELECT s.post_id, s.article_hash, s.article_key, s.title_key, g.sig FROM duplicate_state s "
                           "JOIN duplicate_signatures g USING (post_id) ORDER BY 1").fetchall()


# ------------------------------------------------------------------ near-duplicates

def test_dask_engine_stores_the_local_engines_pairs_and_clusters(small_corpus, on_cluster, tmp_path):
    posts, truth, _hard = small_corpus
    local, remote = _db(tmp_path, "local.duckdb", posts), _db(tmp_path, "dask.duckdb", posts)
    with dbmod.session(local) as con:
        dup.refresh(con)
    with dbmod.session(remote) as con:
        # 7 partitions: posts of one exact group or LSH bucket land in different partitions
        summary = dup.refresh(con, scan_full=dask_engine.scanner(on_cluster, partitions=7))
    assert summary["engine"] == "dask" and summary["partitions"] == 7 and summary["workers"] == 2
    assert summary["bytes_bands"] > 0 and summary["lsh_candidates"] > summary["verified"] / 2
    (lp, lc), (rp, rc) = _result(local), _result(remote)
    assert len(lp) > 500 and (lp["kind"] == "exact").any() and (lp["kind"] == "title").any()
    pd.testing.assert_frame_equal(lp, rp)
    pd.testing.assert_frame_equal(lc, rc)
    assert _state(local) == _state(remote)            # what the next incremental run starts from
    found = set(zip(*[rp[rp["similarity"] >= 90][c] for c in ("post_id_a", "post_id_b")]))
    assert truth <= found


def test_after_an_incremental_import_the_dask_run_matches_the_local_ones(small_corpus, on_cluster, tmp_path):
    posts = small_corpus[0].iloc[:900]
    first, later = posts.iloc[:700], posts.iloc[700:]
    path = _db(tmp_path, "inc.duckdb", first)
    with dbmod.session(path) as con:
        dup.refresh(con, scan_full=dask_engine.scanner(on_cluster))
        # new posts (some copies of old ones) and a rewritten post arrive; the import hook runs
        insert_posts(con, pd.concat([later, first.head(5).assign(post_id=lambda d: d["post_id"] + "-copy")]), 2)
        con.execute("UPDATE post_revisions SET body = body || ' a closing line' WHERE post_id = ?",
                    [first["post_id"].iloc[7]])
        assert dup.after_import(con, 2)["mode"] == "incremental"
    incremental = _result(path)
    with dbmod.session(path) as con:
        dup.refresh(con)
    local_full = _result(path)
    with dbmod.session(path) as con:
        dup.refresh(con, scan_full=dask_engine.scanner(on_cluster, partitions=3))
    dask_full = _result(path)
    for got in (incremental, dask_full):
        pd.testing.assert_frame_equal(local_full[0], got[0])
        pd.testing.assert_frame_equal(local_full[1], got[1])
    assert local_full[0]["post_id_b"].str.endswith("-copy").sum() >= 5


def test_cli_duplicates_on_a_scheduler(small_corpus, local_cluster, tmp_path):
    posts = small_corpus[0].head(400)
    local, remote = _db(tmp_path, "l.duckdb", posts), _db(tmp_path, "r.duckdb", posts)
    assert CliRunner().invoke(main, ["duplicates", "--db", str(local)]).exit_code == 0
    result = CliRunner().invoke(main, ["duplicates", "--db", str(remote), "--engine", "dask", "--scheduler",
                                       local_cluster.scheduler_address, "--stage-dir", str(tmp_path / "st"),
                                       "--partitions", "3"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("full run 1: 400 posts")
    pd.testing.assert_frame_equal(_result(local)[0], _result(remote)[0])
    assert not any((tmp_path / "st").iterdir())        # the run's stage folder is removed


def test_a_worker_killed_mid_run_leaves_the_old_or_the_new_result(small_corpus, own_cluster, tmp_path):
    on_cluster = own_cluster[1]
    posts = small_corpus[0].iloc[:700]
    copies = posts.head(8).assign(post_id=lambda d: d["post_id"] + "-copy")
    path = _db(tmp_path, "kill.duckdb", posts)
    with dbmod.session(path) as con:
        dup.refresh(con)                                     # the old result ...
        insert_posts(con, copies, batch_id=2)                # ... then posts that the new one pairs
    old = _result(path)
    expected = _result(_refreshed(_db(tmp_path, "want.duckdb", pd.concat([posts, copies]))))
    pids = list(on_cluster.client.run(os.getpid).values())
    outcome = {}

    def run():
        try:
            with dbmod.session(path) as con:
                outcome["summary"] = dup.refresh(con, scan_full=dask_engine.scanner(on_cluster, partitions=6))
        except clustermod.ClusterError as exc:
            outcome["error"] = exc
    worker = threading.Thread(target=run)
    worker.start()
    features = Path(on_cluster.stage.root) / "features"
    deadline = time.monotonic() + 30
    while not (features.exists() and any(features.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert worker.is_alive(), "the run ended before a worker could be killed"
    os.kill(pids[0], signal.SIGKILL)                         # mid-run: features are being written
    worker.join(120)
    assert not worker.is_alive()
    got = _result(path)
    with dbmod.session(path, read_only=True) as con:
        runs = con.execute("SELECT count(*) FROM duplicate_runs").fetchall()[0][0]
    if "summary" in outcome:                                 # retried on the other worker: the new result
        pd.testing.assert_frame_equal(got[0], expected[0])
        pd.testing.assert_frame_equal(got[1], expected[1])
        assert runs == 2
    else:                                                    # failed whole: the old result, untouched
        assert "database is unchanged" in str(outcome["error"])
        pd.testing.assert_frame_equal(got[0], old[0])
        pd.testing.assert_frame_equal(got[1], old[1])
        assert runs == 1
    assert len(old[0]) < len(expected[0]) and len(old[1]) < len(expected[1])


def _refreshed(path: Path) -> Path:
    with dbmod.session(path) as con:
        dup.refresh(con)
    return path


def test_unreachable_scheduler_is_an_error_line(tmp_path):
    path = tmp_path / "x.duckdb"
    with dbmod.session(path) as con:
        dbmod.ensure_schema(con)
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        for cmd in (["duplicates", "--db", str(path)], ["import", str(tmp_path), "--db", str(path)]):
            result = CliRunner().invoke(main, [*cmd, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9",
                                               "--stage-dir", str(tmp_path / "st")])
            assert result.exit_code == 2, result.output
            assert result.output.startswith("error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
            assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    result = CliRunner().invoke(main, ["duplicates", "--db", str(path), "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2 and "--scheduler needs --engine dask" in result.output
    result = CliRunner().invoke(main, ["duplicates", "--db", str(path), "--engine", "dask", "--incremental"])
    assert result.exit_code == 2 and "--incremental runs on the local engine" in result.output


# ------------------------------------------------------------------ import

def _table(path: Path, name: str, drop: set) -> pd.DataFrame:
    with dbmod.session(path, read_only=True) as con:
        cols = [c[0] for c in con.execute(f"DESCRIBE {name}").fetchall() if c[0] not in drop]
        df = con.execute(f"SELECT {', '.join(cols)} FROM {name}").df()
    return df.sort_values(cols[:3] if name != "import_files" else ["source_file", "batch_id"],
                          ignore_index=True).astype(str)


@pytest.fixture(scope="module")
def dump_dir(tmp_path_factory):
    """Page dumps with irregular files (warnings, rejects) and a later edit of a few."""
    out = tmp_path_factory.mktemp("dumps")
    synth.generate(out, 400, seed=3)
    return out


def test_dask_import_writes_the_local_imports_rows(dump_dir, on_cluster, tmp_path):
    local, remote = tmp_path / "l.duckdb", tmp_path / "r.duckdb"
    first = [importer.import_paths([dump_dir], local, after_import=False),
             importer.import_paths([dump_dir], remote, after_import=False, cluster=on_cluster)]
    assert first[0].imported == first[1].imported > 300 and first[1].rejected == first[0].rejected > 0
    assert first[1].warnings == first[0].warnings > 0
    # a second import of the same files is idempotent, one edited file is an update
    page = sorted(p for p in dump_dir.rglob("*.txt"))[5]
    page.write_bytes(page.read_bytes().replace(b"\n", b"\nAn edited line.\n", 1))
    again = [importer.import_paths([dump_dir], local, after_import=False),
             importer.import_paths([dump_dir], remote, after_import=False, cluster=on_cluster)]
    assert again[0].updated == again[1].updated == 1 and again[1].imported == 0
    assert again[1].unchanged == again[0].unchanged
    # (not compared: when a batch ran; and when a file was read, beside its modification time, which
    # decides whether its time is kept: source_mtime_ns)
    for name, drop in (("posts", {"imported_at"}), ("post_revisions", {"imported_at", "source_mtime_ns"}),
                       ("import_files", {"recorded_at"})):
        pd.testing.assert_frame_equal(_table(local, name, drop), _table(remote, name, drop))
    assert not list((Path(on_cluster.stage.root) / "import").glob("*.parquet"))   # shards are read once


def test_cli_import_on_a_scheduler(dump_dir, local_cluster, tmp_path):
    db = tmp_path / "cli.duckdb"
    result = CliRunner().invoke(main, ["import", str(dump_dir), "--db", str(db), "--engine", "dask", "--scheduler",
                                       local_cluster.scheduler_address, "--stage-dir", str(tmp_path / "st"), "--json"])
    assert result.exit_code == 0, result.output
    assert '"status": "finished"' in result.output
    with dbmod.session(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM posts").fetchall()[0][0] > 300


def _hold_parsers(markers: str) -> None:
    """On a worker: each parse task first leaves ``started-<pid>`` in ``markers``, then waits (up to
    20 s) for the file ``go`` there, so that a task is certainly running when its worker is killed."""
    from copydesk import importer as imp
    original = imp._process_packed                           # (the test's own cluster: held once per worker)

    def held(*args):
        Path(markers, f"started-{os.getpid()}").touch()
        deadline = time.monotonic() + 20
        while not Path(markers, "go").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return original(*args)
    imp._process_packed = held


def _set_allowed_failures(n, dask_scheduler=None):
    dask_scheduler.allowed_failures = n


@pytest.mark.parametrize("allowed_failures", [3, 0], ids=["retried", "fails-whole"])
def test_a_worker_killed_during_a_dask_import_leaves_the_earlier_import_or_the_whole_new_one(
        allowed_failures, own_cluster, tmp_path, monkeypatch):
    """A parse task's worker is SIGKILLed while the task runs.  With the scheduler's default
    ``allowed-failures`` the task is rerun on a live worker and the import ends as a local one does;
    with 0 the import fails whole, with one line, and the database keeps the earlier import (the
    new batch is one transaction: no ledger row, revision or post of it is left)."""
    monkeypatch.setattr(importer, "CHUNK_SIZE", 60)          # ~7 parse tasks, 4 in flight
    pages = synth.generate(tmp_path / "corpus", 300, seed=11).pages_dir
    files = sorted(str(p) for p in pages.iterdir())
    db, want = tmp_path / "db.duckdb", tmp_path / "want.duckdb"
    for path in (db, want):                                  # the earlier import, on both
        assert importer.import_paths(files[:120], path, after_import=False).imported > 100
    Path(files[7]).write_bytes(Path(files[7]).read_bytes().replace(b"\n", b"\nAn edited line.\n", 1))
    importer.import_paths([pages], want, after_import=False)
    tables = (("posts", {"imported_at"}), ("post_revisions", {"imported_at", "source_mtime_ns"}),
              ("import_files", {"recorded_at"}))

    def snapshot(path):
        return {name: _table(path, name, drop) for name, drop in tables}
    old, new = snapshot(db), snapshot(want)
    assert (new["import_files"]["batch_id"] == "2").sum() > 150 and len(new["posts"]) > len(old["posts"])
    assert (new["import_files"]["outcome"] == "updated").sum() == 1      # the edited page: a new revision

    local_cluster, on_cluster = own_cluster
    client, markers = on_cluster.client, tmp_path / "markers"
    markers.mkdir()
    pids = set(client.run(os.getpid).values())
    client.run_on_scheduler(_set_allowed_failures, allowed_failures)   # (the test's own cluster: not restored)
    client.run(_hold_parsers, str(markers))
    outcome = {}
    cmd = ["import", str(pages), "--db", str(db), "--engine", "dask", "--scheduler", local_cluster.scheduler_address,
           "--stage-dir", str(tmp_path / "st")]
    thread = threading.Thread(target=lambda: outcome.update(result=CliRunner().invoke(main, cmd)))
    try:
        thread.start()
        deadline = time.monotonic() + 30
        while not (started := list(markers.glob("started-*"))) and time.monotonic() < deadline:
            time.sleep(0.005)
        assert started and thread.is_alive(), "no parse task started"
        victim = int(started[0].name.split("-")[1])
        assert victim in pids
        os.kill(victim, signal.SIGKILL)                      # its task is running: it waits for "go"
        (markers / "go").touch()
        thread.join(120)
        assert not thread.is_alive()
    finally:
        (markers / "go").touch()
    result = outcome["result"]
    if allowed_failures:                                     # rerun on the live worker: the local import's rows
        assert result.exit_code == 0, result.output
        got = snapshot(db)
        for name in new:
            pd.testing.assert_frame_equal(got[name], new[name])
        return
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and "Traceback" not in result.output, result.output
    assert lines[0].startswith("error: import failed (batch 2 marked failed): ClusterError: the parse stage failed: "
                               "workers died running it")
    assert lines[0].endswith("nothing of the unfinished batch is written (batches committed before it stay); "
                             "the same import again finishes the job")
    got = snapshot(db)
    for name in old:                                         # the earlier import, untouched
        pd.testing.assert_frame_equal(got[name], old[name])
    with dbmod.session(db, read_only=True) as con:
        assert con.execute("SELECT status FROM import_batches ORDER BY batch_id").fetchall() == [("finished",), ("failed",)]
        assert con.execute("SELECT count(*) FROM post_revisions WHERE batch_id = 2").fetchall() == [(0,)]
    # the same import again (the cluster whole again) finishes the job: the local import's rows
    assert CliRunner().invoke(main, cmd).exit_code == 0
    again = snapshot(db)
    for name in new:                                         # (in batch 3: batch 2 is the failed one)
        pd.testing.assert_frame_equal(again[name].drop(columns="batch_id", errors="ignore"),
                                      new[name].drop(columns="batch_id", errors="ignore"))
