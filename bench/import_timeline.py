"""A timeline of one real ``copydesk import``: what each process does when (issue 13).

    .venv/bin/python bench/import_timeline.py PAGES DB        # DB is removed first: an empty database

Runs the CLI command ``copydesk import PAGES --db DB --json`` in this process, with the parser
processes it forks, and logs the wall-clock start and end of:

* in the importing process: the module imports, the run's set-up, each chunk written (and the wait
  for its parser process), each commit, the after-import stages one by one, the close;
* in each parser process: its start (loading what the quality signals need), each parse task and
  each task of held-back quality signals.

Then prints one line per span, with a bar on a common time axis (0 = this process's start), the
importing process first. It shows which core is idle when: before the first parse task, during the
last commit, in the after-import stages.  (``bench/import_phases.py`` gives the totals per phase and
the CPU time of each process.)
"""

from __future__ import annotations

import time

T0 = time.time()

import contextlib  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

_LOG: dict[str, str] = {}


def _record(label: str, start: float, end: float) -> None:
    with open(_LOG["path"], "a") as fh:
        fh.write(f"{os.getpid()}\t{label}\t{start - T0:.3f}\t{end - T0:.3f}\n")


def _timed(label: str, fn):
    """``fn`` logging its spans; picklable by reference as ``fn`` itself (a parser task is sent by name)."""
    def wrapper(*args, **kwargs):
        start = time.time()
        try:
            return fn(*args, **kwargs)
        finally:
            _record(label, start, time.time())
    wrapper.__module__ = getattr(fn, "__module__", None)
    wrapper.__qualname__ = getattr(fn, "__qualname__", label)
    return wrapper


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if sys.argv[1:2] in (["-h"], ["--help"]) else 2)
    pages, db = sys.argv[1], sys.argv[2]
    for path in (db, db + ".wal"):
        if os.path.exists(path):
            os.remove(path)
    _LOG["path"] = db + ".timeline"
    if os.path.exists(_LOG["path"]):
        os.remove(_LOG["path"])
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import multiprocessing.pool as mpp

    import copydesk.cli as cli
    from copydesk import hooks, importer
    _record("imports", T0, time.time())
    run = importer._ImportRun
    for name, label in (("__init__", "set-up"), ("_commit", "commit"), ("close", "close"),
                        ("_after_import", "after-import"), ("_finish_commit", "commit wait"),
                        ("_store_staged", "store staged")):
        setattr(run, name, _timed(label, getattr(run, name)))
    importer._write_chunk = _timed("write chunk", importer._write_chunk)
    importer._commit_in = _timed("commit thread", importer._commit_in)
    importer._known = _timed("look-up", importer._known)
    mpp.ApplyResult.get = _timed("wait", mpp.ApplyResult.get)
    importer._process_packed = _timed("parse", importer._process_packed)
    importer._stages_of = _timed("quality signals", importer._stages_of)
    hooks.warm_up = _timed("start", hooks.warm_up)
    stages = hooks.stages
    hooks.stages = lambda: [(order, name, _timed("stage " + name.rsplit(".", 2)[-2], fn))
                            for order, name, fn in stages()]
    start = time.time()
    with contextlib.redirect_stdout(io.StringIO()):          # (the command's JSON summary)
        try:
            cli.main(["import", pages, "--db", db, "--json"], standalone_mode=False)
        except SystemExit:
            pass
    _record("command", start, time.time())
    with open(_LOG["path"]) as fh:
        rows = [line.rstrip("\n").split("\t") for line in fh]
    os.remove(_LOG["path"])
    me = str(os.getpid())
    pids = sorted({r[0] for r in rows}, key=lambda pid: (pid != me, pid))
    end = max(float(r[3]) for r in rows)
    for pid in pids:
        print("== importing process" if pid == me else f"== parser process {pid}")
        for p, label, a, b in rows:
            a, b = float(a), float(b)
            if p == pid and b - a >= 0.005:
                bar = " " * int(a / end * 100) + "#" * max(1, int((b - a) / end * 100))
                print(f"{label[:16]:16} {a:7.3f}-{b:7.3f} {bar}")


if __name__ == "__main__":
    main()
