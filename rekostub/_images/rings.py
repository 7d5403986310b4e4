"""Finding finder rings: closing the small gaps JPEG can crack into a thin ring, then
splitting the finder-pixel mask into horizontal runs and joining the runs that overlap in
adjacent rows into connected components (vectorised union-find; no scipy), keeping the
ring-shaped ones as candidates for :mod:`rekostub._images.read`.
"""

from __future__ import annotations

import numpy as np

from rekostub._images.code import MIN_CODE_SIDE, MIN_RUN, BoolArray


def _close_gaps(mask: BoolArray) -> BoolArray:
    """Fill gaps of up to 2 pixels across the ring (JPEG chroma can crack a thin ring).

    A pixel is set if it has set pixels within 2 on both sides, vertically or horizontally;
    the mask never grows past its extent, so bounding boxes do not change.
    """
    out: BoolArray = mask.copy()
    if mask.shape[0] >= 3:
        before = np.zeros_like(mask)
        after = np.zeros_like(mask)
        before[1:] = mask[:-1]
        before[2:] |= mask[:-2]
        after[:-1] = mask[1:]
        after[:-2] |= mask[2:]
        out |= before & after
    if mask.shape[1] >= 3:
        before = np.zeros_like(mask)
        after = np.zeros_like(mask)
        before[:, 1:] = mask[:, :-1]
        before[:, 2:] |= mask[:, :-2]
        after[:, :-1] = mask[:, 1:]
        after[:, :-2] |= mask[:, 2:]
        out |= before & after
    return out


def _candidates(mask: BoolArray) -> list[tuple[int, int, int, int, int]]:
    """Ring-like connected groups of horizontal runs (>= MIN_RUN px) of ``mask``.

    Returns (x0, y0, x1, y1, pixel count) per component (end-exclusive) whose bounding box
    is at least MIN_CODE_SIDE a side and 12-65 % filled, largest first.
    """
    height, width = mask.shape
    if height == 0 or width == 0:
        return []
    edges = np.diff(mask.astype(np.int8), axis=1, prepend=np.int8(0), append=np.int8(0))
    sr, sc = np.nonzero(edges == 1)
    _, ec = np.nonzero(edges == -1)
    keep = (ec - sc) >= MIN_RUN
    rows, starts, ends = sr[keep].astype(np.int64), sc[keep].astype(np.int64), ec[keep]
    ends = ends.astype(np.int64)
    n = rows.size
    if n == 0:
        return []
    pitch = width + 1
    start_key = rows * pitch + starts
    end_key = rows * pitch + ends
    # Runs of the previous row overlapping run i: a contiguous range [lo, hi].
    lo = np.searchsorted(end_key, (rows - 1) * pitch + starts, side="right")
    hi = np.searchsorted(start_key, (rows - 1) * pitch + ends, side="left") - 1
    counts = np.maximum(hi - lo + 1, 0)
    total = int(counts.sum())
    parent = np.arange(n, dtype=np.int64)
    if total:
        src = np.repeat(np.arange(n, dtype=np.int64), counts)
        first = np.repeat(lo, counts)
        offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        dst = first + offsets
        while True:
            pa, pb = parent[src], parent[dst]
            differ = pa != pb
            if not differ.any():
                break
            small = np.minimum(pa, pb)[differ]
            big = np.maximum(pa, pb)[differ]
            np.minimum.at(parent, big, small)
            while True:
                nxt = parent[parent]
                if np.array_equal(nxt, parent):
                    break
                parent = nxt
    labels = parent
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    bounds = np.flatnonzero(np.diff(sorted_labels)) + 1
    group_starts = np.concatenate([[0], bounds])
    r_sorted, s_sorted, e_sorted = rows[order], starts[order], ends[order]
    x0 = np.minimum.reduceat(s_sorted, group_starts)
    x1 = np.maximum.reduceat(e_sorted, group_starts)
    y0 = np.minimum.reduceat(r_sorted, group_starts)
    y1 = np.maximum.reduceat(r_sorted, group_starts) + 1
    count = np.add.reduceat(e_sorted - s_sorted, group_starts)
    area = (x1 - x0) * (y1 - y0)
    good = (x1 - x0 >= MIN_CODE_SIDE) & (y1 - y0 >= MIN_CODE_SIDE)
    good &= (count >= 0.12 * area) & (count <= 0.65 * area)
    picked = np.flatnonzero(good)
    picked = picked[np.argsort(-area[picked], kind="stable")]
    return [(int(x0[i]), int(y0[i]), int(x1[i]), int(y1[i]), int(count[i])) for i in picked]
