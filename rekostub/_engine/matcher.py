"""The one shared matcher: float32 vector rows, cosine similarity, top-k by argpartition.

Determinism
-----------
Every number this module hands out is reproducible bit for bit on every machine, whatever
BLAS numpy is linked against:

* A similarity is ``100 x dot`` where the dot product is taken in float64 over the float32
  vectors (each float32 x float32 product is exact in float64) and summed by :func:`_rowsum`,
  a fixed pairwise tree written with elementwise ufuncs only (IEEE-exact, no reassociation).
  It is clipped to [0, 100] and rounded through float32. :func:`similarity` and
  :meth:`VectorIndex.search` go through the same function, so they agree bit for bit.
* A float32 product (:func:`coarse`, numpy's ``einsum`` loops: no BLAS, so no BLAS threads
  fighting over a busy machine's cores) is used only as a coarse filter, with a safety margin
  far larger than its worst-case rounding error, so it can never drop or reorder a true result.
* Means are summed row by row in row order (:func:`unit_mean` and :func:`grouped_mean` use the
  same order, so a user built at fixture load and one rebuilt after AssociateFaces have the
  same bits), then normalised with the tree sum, a correctly rounded ``sqrt`` and a division.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from rekostub._engine.coarse import coarse

__all__ = ["VectorIndex", "grouped_mean", "similarity", "unit_mean"]

Vector = npt.NDArray[np.float32]
_F64 = npt.NDArray[np.float64]

_EXACT_CHUNK = 256  # rows per block of exact similarities (small float64 temporaries)
_NORM_CHUNK = 2048  # rows per block when normalising many rows (fixture loading)


# --------------------------------------------------------------------------------------------
# Deterministic float64 arithmetic
# --------------------------------------------------------------------------------------------


def _rowsum(x: _F64) -> _F64:
    """Sum each row of a 2-D float64 array in a fixed pairwise order.

    Width ``w`` becomes ``ceil(w / 2)``: column ``i`` plus column ``i + w // 2`` (an odd last
    column is carried over). Only elementwise additions are used, so the result does not
    depend on SIMD, BLAS, numpy's reduction strategy or the number of rows.
    """
    while x.shape[1] > 1:
        width = x.shape[1]
        half = width // 2
        folded = x[:, :half] + x[:, half : 2 * half]
        if width % 2:
            folded = np.concatenate((folded, x[:, 2 * half :]), axis=1)
        x = folded
    return np.ascontiguousarray(x[:, 0]) if x.shape[1] == 1 else np.zeros(x.shape[0])


def _normalize_rows(x: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float32]:
    """Each row (in float64) divided by its norm (tree-summed squares, sqrt), as float32.

    Raises ValueError for a row of norm 0 (or a non-finite norm).
    """
    out: npt.NDArray[np.float32] = np.empty(x.shape, dtype=np.float32)
    for start in range(0, x.shape[0], _NORM_CHUNK):  # blocks stay in cache; rows independent
        block = x[start : start + _NORM_CHUNK].astype(np.float64)
        norms = np.sqrt(_rowsum(block * block))
        if not (np.all(norms > 0.0) and np.all(np.isfinite(norms))):
            raise ValueError("cannot normalise a zero (or non-finite) vector")
        out[start : start + _NORM_CHUNK] = block / norms[:, None]
    return out


def _exact_similarities(rows: npt.NDArray[np.float32], query: Vector) -> npt.NDArray[np.float32]:
    """The similarity of each float32 row to ``query``: THE definition of a similarity.

    float64 products (exact), :func:`_rowsum`, ``x 100``, clipped to [0, 100], float32.
    Worked in blocks of rows so the float64 temporaries stay small (cheap to allocate).
    """
    q64 = query.astype(np.float64)
    parts = []
    for start in range(0, rows.shape[0], _EXACT_CHUNK):
        block = rows[start : start + _EXACT_CHUNK].astype(np.float64)
        block *= q64
        parts.append(_rowsum(block))
    if not parts:
        return np.zeros(0, dtype=np.float32)
    dots = parts[0] if len(parts) == 1 else np.concatenate(parts)
    out: npt.NDArray[np.float32] = np.clip(dots * 100.0, 0.0, 100.0).astype(np.float32)
    return out


def similarity(a: Vector, b: Vector) -> float:
    """100 x cosine of two unit vectors, clipped to [0, 100], rounded through float32.

    The dot product is computed in float64 from the float32 values with a fixed summation
    order (no BLAS), so the value is identical everywhere and equals what
    :meth:`VectorIndex.search` reports for the same pair. The result is a Python float holding
    a float32 value (like AWS's ``99.97946166992188``).
    """
    a32 = np.asarray(a, dtype=np.float32)
    b32 = np.asarray(b, dtype=np.float32)
    if a32.ndim != 1 or a32.shape != b32.shape:
        raise ValueError(
            f"similarity needs two vectors of one length, got {a32.shape} and {b32.shape}"
        )
    return float(_exact_similarities(a32[None, :], b32)[0])


# --------------------------------------------------------------------------------------------
# Means
# --------------------------------------------------------------------------------------------


def unit_mean(vectors: npt.NDArray[np.float32]) -> Vector:
    """The normalised mean of the rows (a user's vector).

    The rows are summed in float64 in row order (``((r0 + r1) + r2) + ...``), then normalised
    and rounded to float32; bit-identical to the same group in :func:`grouped_mean`.
    Raises ValueError when there are no rows or the rows sum to zero.
    """
    v = np.asarray(vectors)
    if v.ndim != 2 or v.shape[0] == 0:
        raise ValueError(f"unit_mean needs a non-empty 2-D array of rows, got shape {v.shape}")
    total = np.add.accumulate(v.astype(np.float64), axis=0)[-1]
    out: Vector = _normalize_rows(total[None, :])[0]
    return out


def grouped_mean(
    vectors: npt.NDArray[np.float32], groups: npt.NDArray[np.intp], n_groups: int
) -> npt.NDArray[np.float32]:
    """Row ``g`` is the normalised mean of the rows of ``vectors`` whose group is ``g``.

    Returns an (n_groups, dim) float32 C-contiguous matrix; row ``g`` is bit-identical to
    ``unit_mean(vectors[groups == g])``. Every group in ``range(n_groups)`` must have at least
    one row and every entry of ``groups`` must be in that range (ValueError otherwise).

    Vectorised: the rows are ordered by (rank within group, group) and added one rank at a
    time, so the number of numpy calls is the size of the largest group (<= 100 for users).
    """
    v = np.asarray(vectors)
    g = np.asarray(groups, dtype=np.intp)
    if v.ndim != 2 or g.shape != (v.shape[0],):
        raise ValueError(f"grouped_mean: shapes {v.shape} and {g.shape} do not match")
    if n_groups <= 0:
        if v.shape[0]:
            raise ValueError("grouped_mean: rows given but n_groups is 0")
        return np.zeros((0, v.shape[1]), dtype=np.float32)
    if v.shape[0] and (int(g.min()) < 0 or int(g.max()) >= n_groups):
        raise ValueError(f"grouped_mean: group numbers must be in range({n_groups})")
    counts = np.bincount(g, minlength=n_groups)
    if np.any(counts == 0):
        empty = int(np.flatnonzero(counts == 0)[0])
        raise ValueError(f"grouped_mean: group {empty} has no rows")
    if int(counts.max()) == 1:  # one row per group (one face per user): just normalise
        if bool(np.all(g[1:] > g[:-1])):  # already in group order: no gather
            return _normalize_rows(v)
        return _normalize_rows(v[np.argsort(g)])
    by_group = np.argsort(g, kind="stable")
    v64 = v.astype(np.float64)
    starts = np.cumsum(counts) - counts
    rank = np.arange(g.size) - np.repeat(starts, counts)
    by_rank = np.argsort(rank, kind="stable")  # stable: groups ascending within a rank
    rows = by_group[by_rank]
    row_groups = g[rows]
    per_rank = np.bincount(rank)
    acc = v64[rows[:n_groups]]  # rank 0: one row per group, groups 0..n_groups-1 in order
    offset = n_groups
    for count in per_rank[1:].tolist():
        sl = slice(offset, offset + count)
        acc[row_groups[sl]] += v64[rows[sl]]
        offset += count
    return _normalize_rows(acc)


# --------------------------------------------------------------------------------------------
# The index
# --------------------------------------------------------------------------------------------


class VectorIndex:
    """Unit float32 vectors keyed by string, stored as rows of one contiguous matrix.

    Rows ``0..len-1`` of a capacity-doubling float32 C-contiguous matrix hold the vectors;
    ``key -> row`` is a dict and ``row -> key`` a list. Adding is amortised O(1); removing
    moves the last row into the hole (O(1)), so row order is not insertion order.
    """

    __slots__ = ("_dim", "_keys", "_mat", "_rows")

    def __init__(self, dim: int, capacity: int = 16) -> None:
        if dim <= 0:
            raise ValueError(f"dim must be positive, got {dim}")
        self._dim = int(dim)
        self._mat: npt.NDArray[np.float32] = np.zeros(
            (max(int(capacity), 1), self._dim), np.float32
        )
        self._rows: dict[str, int] = {}
        self._keys: list[str] = []

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    @property
    def dim(self) -> int:
        return self._dim

    # -- mutation ------------------------------------------------------------------------------
    def _vector(self, vector: Vector) -> Vector:
        v = np.asarray(vector, dtype=np.float32)
        if v.shape != (self._dim,):
            raise ValueError(f"expected a vector of shape ({self._dim},), got {v.shape}")
        return v

    def _reserve(self, total: int) -> None:
        capacity = self._mat.shape[0]
        if total <= capacity:
            return
        while capacity < total:
            capacity *= 2
        grown = np.zeros((capacity, self._dim), dtype=np.float32)
        n = len(self._keys)
        grown[:n] = self._mat[:n]
        self._mat = grown

    def add(self, key: str, vector: Vector) -> None:
        """Insert or replace ``key``. O(1) amortised."""
        v = self._vector(vector)
        row = self._rows.get(key)
        if row is None:
            row = len(self._keys)
            self._reserve(row + 1)
            self._rows[key] = row
            self._keys.append(key)
        self._mat[row] = v

    def add_many(self, keys: Sequence[str], vectors: npt.NDArray[np.float32]) -> None:
        """Insert many rows at once (fixture loading).

        Same result as ``add(key, row)`` for each pair in order (so an existing or repeated key
        is replaced, the last one winning); new distinct keys are copied in one block.
        """
        v = np.asarray(vectors, dtype=np.float32)
        if v.shape != (len(keys), self._dim):
            raise ValueError(f"expected vectors of shape ({len(keys)}, {self._dim}), got {v.shape}")
        keys = list(keys)
        fresh = len(set(keys)) == len(keys) and self._rows.keys().isdisjoint(keys)
        if not fresh:
            for key, row in zip(keys, v):
                self.add(key, row)
            return
        n = len(self._keys)
        self._reserve(n + len(keys))
        self._mat[n : n + len(keys)] = v
        self._rows.update(zip(keys, range(n, n + len(keys))))
        self._keys.extend(keys)

    def remove(self, key: str) -> None:
        """Delete ``key`` (KeyError if absent). O(1): the last row moves into its place."""
        row = self._rows.pop(key)
        last = len(self._keys) - 1
        if row != last:
            moved = self._keys[last]
            self._mat[row] = self._mat[last]
            self._keys[row] = moved
            self._rows[moved] = row
        self._keys.pop()
        self._mat[last] = 0.0

    def get(self, key: str) -> Vector:
        """A copy of the vector stored for ``key`` (KeyError if absent)."""
        row: Vector = self._mat[self._rows[key]].copy()
        return row

    def copy(self) -> VectorIndex:
        """An independent deep copy (same capacity, rows, keys)."""
        new = VectorIndex.__new__(VectorIndex)
        new._dim = self._dim
        new._mat = self._mat.copy()
        new._rows = dict(self._rows)
        new._keys = list(self._keys)
        return new

    # -- search --------------------------------------------------------------------------------
    def search(
        self,
        query: Vector,
        *,
        threshold: float,
        limit: int,
        exclude: str | None = None,
    ) -> list[tuple[str, float]]:
        """The up to ``limit`` keys whose similarity to ``query`` is >= ``threshold``.

        Sorted by similarity descending, then key ascending. ``exclude`` is never returned.
        Similarities are exactly :func:`similarity` of the query and the stored row. Rows are
        expected to be unit vectors (the coarse float32 filter's margin assumes it).

        1. coarse: ``M @ q`` in float32 (:func:`coarse`, no BLAS); candidates have ``100 x sim
           >= threshold - 0.01`` (every row when ``threshold <= 0``: clipped values are >= 0);
        2. if there are more candidates than ``limit`` (+1 for ``exclude``), ``argpartition``
           finds the k-th best coarse value and keeps every candidate within the margin of it,
           so near-ties and exact ties all survive to be ordered by key;
        3. exact similarities for the survivors (:func:`_exact_similarities`);
        4. keep ``>= threshold``, drop ``exclude``, take the best ``limit`` by
           (-similarity, key).

        Python-level work is over the results only, plus, when more rows tie at the cut-off
        than fit, over those tied rows' keys.
        """
        n = len(self._keys)
        if n == 0 or limit <= 0:
            return []
        q = self._vector(query)
        margin = max(1e-4, self._dim * 2.0**-21)  # > 4x float32 dot error bound for unit rows
        mat = self._mat[:n]
        coarse_sims = coarse(mat, q)
        if threshold <= 0.0:
            cand: npt.NDArray[np.intp] | None = None  # all rows
            cand_sims = coarse_sims
        else:
            cand = np.flatnonzero(coarse_sims >= threshold / 100.0 - margin)
            cand_sims = coarse_sims[cand]
        excluded_row = self._rows.get(exclude) if exclude is not None else None
        # The common case: nothing passed the coarse filter (or only the excluded row).
        if cand is not None and (
            cand.size == 0
            or (cand.size == 1 and excluded_row is not None and int(cand[0]) == excluded_row)
        ):
            return []
        k = limit + (1 if excluded_row is not None else 0)
        if cand_sims.size > k:
            pivot = cand_sims.size - k
            kth = float(cand_sims[np.argpartition(cand_sims, pivot)[pivot]])
            # Anything whose exact value can reach the k-th best exact value stays; at or
            # below 0 everything clips to a tie at 0, so all of it stays.
            if kth - margin > 0.0:
                near = np.flatnonzero(cand_sims >= kth - margin)
                cand = near if cand is None else cand[near]
        if cand is None:
            cand = np.arange(n)
        if cand.size == 0:
            return []
        sims = _exact_similarities(mat[cand], q)
        keep = sims.astype(np.float64) >= threshold  # float64: no rounding of threshold
        if excluded_row is not None:
            keep &= cand != excluded_row
        cand = cand[keep]
        sims = sims[keep]
        if cand.size > limit:
            cand, sims = self._top(cand, sims, limit)
        return self._ordered(cand, sims)

    def _ordered(
        self, rows: npt.NDArray[np.intp], sims: npt.NDArray[np.float32]
    ) -> list[tuple[str, float]]:
        """``(key, similarity)`` pairs sorted by similarity descending, then key ascending."""
        keys = self._keys
        order = np.argsort(-sims, kind="stable")
        sims = sims[order]
        found = list(zip([keys[row] for row in rows[order].tolist()], sims.tolist()))
        if sims.size > 1 and np.any(sims[1:] == sims[:-1]):  # ties: order them by key
            found.sort(key=lambda item: (-item[1], item[0]))
        return found

    def _top(
        self, rows: npt.NDArray[np.intp], sims: npt.NDArray[np.float32], limit: int
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]:
        """The best ``limit`` of ``rows`` by (-similarity, key): ties at the cut go by key."""
        pivot = sims.size - limit
        cut = sims[np.argpartition(sims, pivot)[pivot]]
        above = np.flatnonzero(sims > cut)
        tied = np.flatnonzero(sims == cut)
        need = limit - above.size
        if tied.size > need:
            keys = self._keys
            tied_rows = rows[tied].tolist()
            best = heapq.nsmallest(need, range(tied.size), key=lambda i: keys[tied_rows[i]])
            tied = tied[np.asarray(best, dtype=np.intp)]
        chosen = np.concatenate((above, tied))
        return rows[chosen], sims[chosen]
