"""The coarse filter's product ``M @ q`` in float32, without BLAS.

numpy's ``einsum`` loops (SIMD, no BLAS), in blocks of rows. OpenBLAS's threads spin while
they wait, so on a busy machine a 10,000-row ``M @ q`` has a p99 many times its median; these
loops never spin. Matrices of 256Ki rows and more are split between up to 4 plain threads (one
of them the caller): einsum releases the GIL, and at that size a thread's start-up (~0.1 ms) is
nothing next to the product (tens of milliseconds). The result is exactly the same whichever
thread computes a block (rows are independent). Only a filter: exact similarities are computed
apart (:mod:`rekostub._engine.matcher`).
"""

from __future__ import annotations

import os
import threading

import numpy as np
import numpy.typing as npt

__all__ = ["coarse"]

_CHUNK = 1 << 16  # rows per einsum call: its output stays in cache
_THREAD_ROWS = 1 << 18  # from this many rows, split the product between threads
_MAX_THREADS = min(4, os.cpu_count() or 1)


def _product(
    mat: npt.NDArray[np.float32], query: npt.NDArray[np.float32], out: npt.NDArray[np.float32]
) -> None:
    for start in range(0, mat.shape[0], _CHUNK):
        stop = start + _CHUNK
        np.einsum("ij,j->i", mat[start:stop], query, out=out[start:stop])


def coarse(mat: npt.NDArray[np.float32], query: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """``mat @ query`` in float32 (each row's dot product; no BLAS)."""
    n = mat.shape[0]
    if n <= _CHUNK:  # one block (and no wrapper loop: small searches are per-call cost)
        small: npt.NDArray[np.float32] = np.einsum("ij,j->i", mat, query)
        return small
    out: npt.NDArray[np.float32] = np.empty(n, dtype=np.float32)
    parts = min(_MAX_THREADS, n // _THREAD_ROWS)
    if parts <= 1:
        _product(mat, query, out)
        return out
    bounds = [n * i // parts // _CHUNK * _CHUNK for i in range(parts)] + [n]
    threads = [
        threading.Thread(
            target=_product, args=(mat[a:b], query, out[a:b]), name="rekostub-coarse", daemon=True
        )
        for a, b in zip(bounds[1:-1], bounds[2:])
    ]
    for thread in threads:
        thread.start()
    _product(mat[: bounds[1]], query, out[: bounds[1]])
    for thread in threads:
        thread.join()
    return out
