"""Heavy batch stages on a Dask cluster: the connection, the stage folder and the task runner.

The DuckDB file stays on the machine where copydesk runs (the *client*); only batch
stages move out: parsing files (``copydesk import --engine dask``) and near-duplicate
detection (``copydesk duplicates --engine dask``).  Data travels through a *stage folder*
that the client and every worker can read and write: a local folder for a cluster on
one machine, shared storage or an fsspec URL (``s3://bucket/copydesk``) for a real one.
Each run works in its own sub-folder and removes it at the end.

* :func:`connect` opens a :class:`Cluster`: the scheduler at ``--scheduler`` or
  ``$DASK_SCHEDULER_ADDRESS``, else a ``LocalCluster`` sized to the machine (one
  single-threaded worker process per core) that is closed again afterwards.
* :meth:`Cluster.map` runs one stage function over its partitions (retried on another
  worker when one dies), shows Dask's progress bar on the client when asked, and turns a
  failure of the cluster into :class:`ClusterError` (``error: …``, exit 2 in the CLI).
  Nothing is written to the database until every stage has finished, so a failed run
  leaves it as it was.
* :class:`Stage` reads and writes the stage folder (Parquet tables and numpy arrays).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import CopydeskError

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
RETRIES = 2


class ClusterError(CopydeskError):
    """The Dask cluster cannot be reached, or a stage failed on it (the message says what is left of the database)."""


# --------------------------------------------------------------------------------------
# the stage folder
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Stage:
    """One run's folder under the stage folder (a path or fsspec URL every worker can reach).

    Picklable: workers get the URL and open the filesystem themselves.  Each write
    returns the bytes written, so a run can say how much data travelled.
    """

    url: str

    @property
    def fs(self):
        import fsspec
        return fsspec.core.url_to_fs(self.url)[0]

    @property
    def root(self) -> str:
        import fsspec
        return fsspec.core.url_to_fs(self.url)[1]

    def path(self, name: str) -> str:
        return f"{self.root.rstrip('/')}/{name}"

    def write_table(self, name: str, table: pa.Table) -> int:
        fs, path = self.fs, self.path(name + ".parquet")
        fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        with fs.open(path, "wb") as fh:
            pq.write_table(table, fh, compression="zstd", compression_level=1)
        return int(fs.size(path))

    def read_table(self, name: str, columns: list[str] | None = None) -> pa.Table:
        with self.fs.open(self.path(name + ".parquet"), "rb") as fh:
            return pq.read_table(fh, columns=columns)

    def write_arrays(self, name: str, **arrays: np.ndarray) -> int:
        fs, path = self.fs, self.path(name + ".npz")
        fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        with fs.open(path, "wb") as fh:
            fh.write(buf.getbuffer())
        return buf.tell()

    def read_arrays(self, name: str) -> dict[str, np.ndarray]:
        with self.fs.open(self.path(name + ".npz"), "rb") as fh:
            data = np.load(io.BytesIO(fh.read()))
            return {k: data[k] for k in data.files}

    def gather_arrays(self, names: Iterable[str], keys: tuple[str, ...]) -> dict[str, np.ndarray]:
        """The arrays ``keys`` of every file ``names``, concatenated (a shuffle's receiving end)."""
        parts = [self.read_arrays(n) for n in names]
        return {k: np.concatenate([p[k] for p in parts]) if parts else np.zeros(0) for k in keys}

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm(self.root, recursive=True)


def route(keys: np.ndarray, parts: int) -> np.ndarray:
    """The receiving partition (0..parts-1) of each uint64 key: a mixed hash, so skewed keys spread."""
    from .duplicates.arrays import mix
    return (mix(keys.astype(np.uint64) ^ np.uint64(0x5BD1E995)) % np.uint64(parts)).astype(np.int64)


def split_by(dest: np.ndarray, parts: int, **arrays: np.ndarray):
    """(partition, {name: rows}) for every receiving partition, rows in their original order."""
    order = np.argsort(dest, kind="stable")
    bounds = np.searchsorted(dest[order], np.arange(parts + 1))
    for j in range(parts):
        sel = order[bounds[j]: bounds[j + 1]]
        yield j, {k: v[sel] for k, v in arrays.items()}


# --------------------------------------------------------------------------------------
# the cluster
# --------------------------------------------------------------------------------------

@dataclass
class Cluster:
    """A connected Dask client, the run's stage folder and the figures of the run so far."""

    client: object
    stage: Stage
    progress: bool = False
    stats: dict = field(default_factory=dict)

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def map(self, label: str, fn: Callable, items: Iterable, *args, **kwargs) -> list:
        """``fn(item, *args, **kwargs)`` for every item, on the workers; the results in order.

        A task whose worker dies is rerun elsewhere (Dask's scheduler, up to its
        ``allowed-failures``); one that raises is retried ``RETRIES`` times.  Timing goes
        into :attr:`stats` as ``t_<label>``.
        """
        items = list(items)
        t0 = time.perf_counter()
        futures = self.client.map(fn, items, *[[a] * len(items) for a in args], retries=RETRIES, pure=False,
                                  key=[f"{label}-{uuid.uuid4().hex[:8]}-{i}" for i in range(len(items))],
                                  **kwargs)
        out = self.wait(label, futures)
        self.stats[f"t_{label}"] = round(self.stats.get(f"t_{label}", 0.0) + time.perf_counter() - t0, 3)
        return out

    def compute(self, label: str, collection) -> object:
        """A Dask collection computed on the cluster (with the same retries and errors as :meth:`map`)."""
        t0 = time.perf_counter()
        out = self.wait(label, self.client.compute(collection, retries=RETRIES))
        self.stats[f"t_{label}"] = round(time.perf_counter() - t0, 3)
        return out

    def wait(self, label: str, futures, outcome: str = "the database is unchanged"):
        """The results of ``futures``; a cluster failure becomes :class:`ClusterError`, its message
        ending with ``outcome`` (what the caller leaves of the database)."""
        from distributed import KilledWorker
        try:
            if self.progress:
                from distributed import progress
                with contextlib.redirect_stdout(sys.stderr):
                    print(f"{label}:", flush=True)
                    progress(futures)
                    print(flush=True)
            return self.client.gather(futures)
        except KilledWorker as exc:
            raise ClusterError(f"the {label} stage failed: workers died running it ({exc}); "
                               f"{outcome}") from exc
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"lost the Dask scheduler during the {label} stage ({exc}); "
                               f"{outcome}") from exc

    def shuffled(self, label: str, nbytes: Iterable[int]) -> None:
        """Count ``nbytes`` as data written to the stage folder by the stage ``label``."""
        self.stats[f"bytes_{label}"] = int(self.stats.get(f"bytes_{label}", 0) + sum(int(n) for n in nbytes))


def _local_cluster():
    from distributed import LocalCluster
    return LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
                        dashboard_address=None)


@contextmanager
def connect(scheduler: str | None = None, stage_dir: str | None = None, *, progress: bool = False):
    """A :class:`Cluster` for the length of the ``with`` block.

    ``scheduler`` (or ``$DASK_SCHEDULER_ADDRESS``): an existing cluster, which then needs a
    ``stage_dir`` its workers can reach.  Neither: a ``LocalCluster`` with one worker
    process per core, started here and closed at the end, staging in a temporary folder
    unless ``stage_dir`` is given.  The run's sub-folder is removed at the end.
    """
    from distributed import Client

    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    local = None
    tmp = None
    if address:
        if not stage_dir:
            raise ClusterError("--stage-dir is required with a scheduler: a folder or fsspec URL that "
                               "this machine and every worker can read and write")
        try:
            client = Client(address)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    else:
        local = _local_cluster()
        client = Client(local)
        if not stage_dir:
            tmp = tempfile.mkdtemp(prefix="copydesk-stage-")
            stage_dir = tmp
    stage = Stage(f"{stage_dir.rstrip('/')}/run-{uuid.uuid4().hex[:12]}")
    try:
        yield Cluster(client, stage, progress)
    finally:
        with contextlib.suppress(Exception):
            stage.remove()
        if tmp:
            with contextlib.suppress(OSError):
                os.rmdir(tmp)
        client.close()
        if local is not None:
            local.close()
