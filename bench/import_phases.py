"""Where the wall time of one real ``copydesk import`` goes, phase by phase (issue 13).

    .venv/bin/python bench/import_phases.py PAGES DB        # DB is removed first: an empty database

Runs the CLI command ``copydesk import PAGES --db DB`` in this process, with the parser processes
it forks (no profiler: the timings are those of a plain run, plus a few clock readings), and prints:

* the wall time of each phase of the main process: interpreter and module imports, the run's
  set-up (database, parser processes), the parse phase (chunks handed out, waited for, written),
  the last commit, the after-import stages one by one, the rest of the close, and the interpreter's
  exit (measured by the parent of this process: ``--exit-of`` below);
* inside the parse phase: how long the main process waited for a parser process, how long it
  spent writing chunks (``_write_chunk`` and the each-chunk stages' store), and the named queries
  it ran longest;
* CPU seconds of the main process and of the parser processes, and how busy the parser processes
  were over the parse phase (their parse tasks' CPU time / (2 x the parse phase)).
"""

from __future__ import annotations

import contextlib
import io
import os
import resource
import subprocess
import sys
import time

T0 = time.perf_counter()


def main() -> None:
    if len(sys.argv) < 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if sys.argv[1:2] in (["-h"], ["--help"]) else 2)
    if sys.argv[1] == "--child":
        return _child(sys.argv[2], sys.argv[3])
    pages, db = sys.argv[1], sys.argv[2]
    for path in (db, db + ".wal"):
        if os.path.exists(path):
            os.remove(path)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--child", pages, db], capture_output=True, text=True)
    wall, exited = time.perf_counter() - t0, time.time()
    if out.returncode:
        sys.exit(out.stderr)
    report, ended = out.stdout.rsplit("ENDED ", 1)
    table, rest = report.split("\n\n", 1)
    print(table)
    print(f"| interpreter exit (after the command returned) | {exited - float(ended):.2f} |")
    print(f"| **whole process** (measured outside) | **{wall:.2f}** |")
    print("\n" + rest.strip())


_PARSE: dict = {}


def _task(packed, *args):
    """A parse task, in a parser process (forked after this is installed): its CPU time is logged."""
    cpu = time.process_time()
    try:
        return _PARSE["fn"](packed, *args)
    finally:
        with open(_PARSE["log"], "a") as fh:
            fh.write(f"{os.getpid()} {time.process_time() - cpu:.4f}\n")


def _child(pages: str, db: str) -> None:
    import multiprocessing.pool as mpp

    import copydesk.cli as cli
    from copydesk import hooks, importer, queries
    imported = time.perf_counter() - T0
    marks: dict[str, float] = {}
    queries_s: dict[str, float] = {}
    tasks_path = db + ".tasks"

    def timed(label, fn):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                marks[label] = marks.get(label, 0.0) + time.perf_counter() - t
        return wrapper

    run = importer._ImportRun
    for name in ("__init__", "_commit", "close", "_after_import"):
        setattr(run, name, timed(name, getattr(run, name)))
    importer._write_chunk = timed("write chunks", importer._write_chunk)
    hooks.store_each_chunk = timed("store each-chunk results", hooks.store_each_chunk)
    mpp.ApplyResult.get = timed("wait for a parser process", mpp.ApplyResult.get)
    stages = hooks.stages
    hooks.stages = lambda: [(order, name, timed("stage " + name, fn)) for order, name, fn in stages()]
    execute = queries.Statement.execute

    def traced(self, con):
        t = time.perf_counter()
        try:
            return execute(self, con)
        finally:
            queries_s[self.name] = queries_s.get(self.name, 0.0) + time.perf_counter() - t
    queries.Statement.execute = traced
    _PARSE.update(fn=importer._process_packed, log=tasks_path)
    importer._process_packed = _task

    t_cmd = time.perf_counter()
    try:
        with contextlib.redirect_stdout(io.StringIO()):         # (the command's JSON summary)
            cli.main(["import", pages, "--db", db, "--json"], standalone_mode=False)
    except SystemExit:
        pass
    command = time.perf_counter() - t_cmd
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    task_cpu = 0.0
    if os.path.exists(tasks_path):
        with open(tasks_path) as fh:
            task_cpu = sum(float(line.split()[1]) for line in fh)
        os.remove(tasks_path)
    close = marks.get("close", 0.0)
    after = marks.get("_after_import", 0.0)
    setup = marks.get("__init__", 0.0)
    last_commit = marks.get("_commit", 0.0)
    parse_phase = command - setup - close - last_commit      # (with one batch, its commit comes after the parse)
    rows = [
        ("interpreter start and module imports", imported),
        ("run set-up (database, batch, parser processes)", setup),
        ("parse phase (chunks handed out, parsed, written)", parse_phase),
        ("  of which: waiting for a parser process", marks.get("wait for a parser process", 0.0)),
        ("  of which: writing chunks (_write_chunk)", marks.get("write chunks", 0.0)),
        ("  of which: storing each-chunk results", marks.get("store each-chunk results", 0.0)),
        ("commits (the last one checkpoints)", last_commit),
        ("after-import stages", after),
        *[(f"  {name.rsplit('.', 2)[-2]}", s) for name, s in marks.items() if name.startswith("stage ")],
        ("rest of the close (parsers stopped, summary)", close - after),
        ("the command (cli.main)", command),
    ]
    print("| phase | wall s |\n|---|---:|")
    for label, s in rows:
        print(f"| {label} | {s:.2f} |")
    print(f"\nCPU: main process {me.ru_utime + me.ru_stime:.2f} s, parser processes {kids.ru_utime + kids.ru_stime:.2f} s "
          f"(their parse tasks {task_cpu:.2f} s: busy {task_cpu / (2 * parse_phase):.0%} of 2 x the parse phase)")
    top = sorted(queries_s.items(), key=lambda kv: -kv[1])[:8]
    print("main process, longest named queries: " + ", ".join(f"{n} {s:.2f} s" for n, s in top))
    sys.stdout.write(f"ENDED {time.time()}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
