"""Work that goes with every import, registered by the modules that do it.

Two kinds of stage:

* **each chunk** (``@hooks.each_chunk(name, store)``): ``fn(revisions) -> pa.Table | tuple | None``
  runs in the parser processes on every chunk of revisions they have just parsed (an Arrow table
  of ``post_revisions`` rows), so that per-post work is spread over the cores with the parsing;
  the main process then calls ``store(con, result)`` inside the transaction that writes the
  chunk.  The parser processes parse a chunk in parts: the result is an Arrow table, a tuple of
  them, or None; the importer joins the parts' results (table by table) and renumbers their
  ``revision_id`` columns with the revisions.  A stage that raises loses only its own result for
  that chunk (the after-import stages compute what is missing), never the import.  Registered by :data:`CHUNK_MODULES`,
  imported before the parser processes start.
* **after import**, below.

A module declares a stage with ``@hooks.after_import(order)``; the importer calls
:func:`run_after_import` once per finished import batch, on its own connection, and
knows nothing of what the stages do.  Stages run by ascending ``order``:

* 10 — ``copydesk.quality``: per-post signals of the new revisions, template sentences, scores;
* 20 — ``copydesk.duplicates``: incremental near-duplicates of new and changed posts;
* 90 — ``copydesk.trends``: the batch's trend snapshot (it counts the clusters, so it runs last).

:data:`MODULES` lists the modules that register stages; they are imported the first
time the stages run (a plain ``copydesk import`` does not pay for them earlier).
"""

from __future__ import annotations

import gc
import importlib
import multiprocessing as mp
import os
from contextlib import contextmanager
from typing import Callable

MODULES = ("copydesk.quality", "copydesk.duplicates", "copydesk.trends")
CHUNK_MODULES = ("copydesk.quality.signals",)

_STAGES: dict[str, tuple[int, Callable]] = {}
_CHUNK_STAGES: dict[str, tuple[Callable, Callable]] = {}
_WARM: dict[str, Callable] = {}


def each_chunk(name: str, store: Callable, warm: Callable | None = None):
    """Decorator: run ``fn(revisions)`` on every parsed chunk (in a parser process) and
    ``store(con, result)`` in the main process inside the chunk's transaction; ``store`` returns
    the number of rows it appended (the import ends its transactions by them).  Data ``fn`` needs
    is loaded by each parser process, not by the main process before the fork (the processes load
    it at once): by ``warm()`` as the process starts, when given (:func:`warm_up`), else on first use."""
    def register(fn: Callable) -> Callable:
        _CHUNK_STAGES[name] = (fn, store)
        if warm is not None:
            _WARM[name] = warm
        return fn
    return register


@contextmanager
def collector_off():
    """``with collector_off():`` — the block without the cyclic garbage collector (as it was after).
    A parser process's work makes many objects that are acyclic or live as long as the process: the
    collector would only walk them again and again, and in a forked process what it inherited too."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def warm_up() -> None:
    """Parser process start (``multiprocessing.Pool(initializer=...)``): load what the each-chunk
    stages need.  The importer starts its parser processes before it opens the database, so they
    load it while the main process sets the database up.  A failure is left to the stage's first use.

    The cyclic garbage collector is off meanwhile: loading makes ~150,000 objects that live as long
    as the process, and in a forked process each collection would also walk what it inherited
    (pyphen's patterns took ~30 ms to load with it on, ~5 ms with it off)."""
    with collector_off():
        # pyarrow imports numpy.ma at its first conversion of a numpy array (~12 ms): here, while the
        # main process sets the database up, rather than in this process's first chunk
        import numpy.ma  # noqa: F401
        for warm in _WARM.values():
            try:
                warm()
            except Exception:                      # noqa: BLE001 - the stage meets it again, and makes up for it
                pass


# The parser processes run this much nicer than the process that forks them: where they compete for a core,
# the importing process goes first (its set-up, chunk writes and commits are what the parser processes and
# the import's end wait for).  20k posts, 80 alternated rounds: median wall ratio ~0.98, 49 of 80 faster.
PARSER_NICE = 3


def _start(warm: bool) -> None:
    """A forked process's first step (the pool's initializer): lower its priority, then :func:`warm_up`."""
    try:
        os.nice(PARSER_NICE)
    except OSError:                     # (not permitted: runs as it is)
        pass
    if warm:
        warm_up()


def fork_pool(workers: int, warm: bool = False):
    """A ``multiprocessing`` pool of ``workers`` forked processes, :data:`PARSER_NICE` nicer than this one,
    each running :func:`warm_up` as it starts when ``warm``.

    The objects of this process are frozen while it forks (``gc.freeze``): the children's collector
    then never walks what they inherited (modules, DuckDB's and Arrow's bindings), which costs time
    at each full collection and copies every page it touches (copy-on-write).  This process's own
    collector is given them back at once (``gc.unfreeze``)."""
    gc.freeze()
    try:
        return mp.get_context("fork").Pool(workers, initializer=_start, initargs=(warm,))
    finally:
        gc.unfreeze()


def chunk_stages() -> dict[str, tuple[Callable, Callable]]:
    """The registered each-chunk stages by name (importing :data:`CHUNK_MODULES` first)."""
    for module in CHUNK_MODULES:
        importlib.import_module(module)
    return dict(_CHUNK_STAGES)


def run_each_chunk(revisions, stages: dict) -> dict:
    """Worker side: each stage's result for one chunk (None for a stage that failed)."""
    out = {}
    for name, (fn, *_rest) in stages.items():
        try:
            out[name] = fn(revisions)
        except Exception:                      # noqa: BLE001 - the after-import stages make up for it
            out[name] = None
    return out


def store_each_chunk(con, results: dict, stages: dict) -> dict[str, int]:
    """Main side: store each stage's result for one chunk (inside the chunk's transaction); the
    rows each stage appended."""
    return {name: stages[name][1](con, result) or 0 for name, result in results.items() if result is not None}


def after_import(order: int):
    """Decorator: run ``fn(con, batch_id)`` after every finished import, in ``order``."""
    def register(fn: Callable) -> Callable:
        _STAGES[f"{fn.__module__}.{fn.__qualname__}"] = (order, fn)
        return fn
    return register


def stages() -> list[tuple[int, str, Callable]]:
    """The registered stages, in the order they run."""
    for module in MODULES:
        importlib.import_module(module)
    return sorted((order, name, fn) for name, (order, fn) in _STAGES.items())


def run_after_import(con, batch_id: int) -> None:
    for _order, _name, fn in stages():
        fn(con, batch_id)
