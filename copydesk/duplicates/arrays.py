"""numpy helpers the stages share: a 64-bit mixer, UTF-8 buffers of Arrow strings, runs of equal keys."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

P1 = np.uint64(0x9E3779B97F4A7C15)
P2 = np.uint64(0xC2B2AE3D27D4EB4F)



def no_pairs() -> tuple[np.ndarray, np.ndarray]:
    """An empty (a, b) pair of int64 index arrays."""
    return np.zeros(0, np.int64), np.zeros(0, np.int64)


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, elementwise on uint64 (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def utf8_buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(bytes, offsets) of a string array, zero-copy where possible; nulls become ''."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count:
        arr = arr.fill_null("")
    if not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_string())
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
    start, stop = int(offsets[0]), int(offsets[-1])
    return data[start:stop], offsets - start


def runs(sorted_keys: np.ndarray):
    """(start, size) of runs of equal values in a sorted array."""
    if len(sorted_keys) == 0:
        return no_pairs()
    brk = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    start = np.concatenate([[0], brk])
    size = np.diff(np.concatenate([start, [len(sorted_keys)]]))
    return start, size


def pairs_within_runs(members: np.ndarray, run_start: np.ndarray, run_size: np.ndarray):
    """All (members[i], members[j]) pairs, i < j, inside each run of ``members``."""
    a_out, b_out = [], []
    if len(run_size) == 0:
        return no_pairs()
    for d in range(1, int(run_size.max())):
        m = run_size > d
        s, z = run_start[m], run_size[m]
        cnt = z - d
        total = int(cnt.sum())
        base = np.repeat(s - (np.cumsum(cnt) - cnt), cnt) + np.arange(total)
        a_out.append(members[base])
        b_out.append(members[base + d])
    if not a_out:
        return no_pairs()
    return np.concatenate(a_out), np.concatenate(b_out)
