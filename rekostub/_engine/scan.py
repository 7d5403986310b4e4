"""Searching a matrix of unit vectors (a FaceTable's, maybe memory-mapped) for a query.

The steps and guarantees of :meth:`rekostub._engine.matcher.VectorIndex.search`, on any float32
matrix, with rows to leave out: the coarse float32 product (no BLAS), the margin, the
``argpartition`` cut, then exact similarities (the determinism contract of
:mod:`rekostub._engine.matcher`) for the survivors only.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from rekostub._engine.coarse import coarse
from rekostub._engine.matcher import Vector, _exact_similarities

__all__ = ["margin", "search_rows"]

_NO_ROWS: npt.NDArray[np.intp] = np.empty(0, np.intp)
_NO_SIMS: npt.NDArray[np.float32] = np.empty(0, np.float32)
_NO_ROWS.flags.writeable = _NO_SIMS.flags.writeable = False
_EMPTY = (_NO_ROWS, _NO_SIMS)  # shared, read-only: the answer when nothing passes


def margin(dim: int) -> float:
    """The coarse filter's safety margin: > 4x the float32 dot error bound for unit rows."""
    return max(1e-4, dim * 2.0**-21)


def search_rows(
    mat: npt.NDArray[np.float32],
    query: Vector,
    *,
    threshold: float,
    limit: int,
    drop: npt.NDArray[np.intp] | None = None,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]:
    """Rows of ``mat`` that may be among the best ``limit`` with similarity >= ``threshold``.

    Returns ``(rows, exact similarities)``: every row in the true top ``limit`` (ordered by
    similarity descending, then any key) is there, with its exact :func:`similarity`; the
    caller orders them by (-similarity, key) and keeps ``limit``. ``drop`` rows never appear.
    Same steps as :meth:`VectorIndex.search`: coarse filter, ``argpartition`` cut with the
    margin (ties at the cut all survive), exact similarities of the survivors.
    """
    n = mat.shape[0]
    if n == 0 or limit <= 0:
        return _EMPTY
    q = np.asarray(query, dtype=np.float32)
    m = max(1e-4, mat.shape[1] * 2.0**-21)  # margin(), inline: this is per-call cost
    sims = coarse(mat, q)
    dropping = drop is not None and drop.size > 0
    if dropping:
        sims[drop] = -np.inf
    cand: npt.NDArray[np.intp] | None
    if threshold <= 0.0:
        cand, cand_sims = None, sims
    else:
        cand = (sims >= threshold / 100.0 - m).nonzero()[0]  # the method: no wrapper calls
        if not cand.size:
            return _EMPTY
        cand_sims = sims[cand]
    if cand_sims.size > limit:
        pivot = cand_sims.size - limit
        kth = float(cand_sims[np.argpartition(cand_sims, pivot)[pivot]])
        if kth - m > 0.0:
            near = (cand_sims >= kth - m).nonzero()[0]
            cand = near if cand is None else cand[near]
    if cand is None:
        cand = np.arange(n)
        if dropping:
            cand = (sims > -np.inf).nonzero()[0]
    if cand.size > 1:
        cand = np.sort(cand)
    exact = _exact_similarities(mat[cand], q)
    keep = exact.astype(np.float64) >= threshold
    return cand[keep], exact[keep]
