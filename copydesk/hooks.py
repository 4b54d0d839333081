"""Work that follows every finished import, registered by the modules that do it.

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

import importlib
from typing import Callable

MODULES = ("copydesk.quality", "copydesk.duplicates", "copydesk.trends")

_STAGES: dict[str, tuple[int, Callable]] = {}


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
