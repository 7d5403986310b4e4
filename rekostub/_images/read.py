"""Reading: :func:`read_faces` decodes a PNG or JPEG (:func:`image_format`,
:class:`ImageDecodeError`), masks the finder pixels by colour or, in grayscale images, by
luminance, reads the data cells inside each ring-shaped candidate (inner ring edges,
cell sampling, 2-means threshold, bit check), snaps the box to the exact pixel box in
lossless images and returns the faces as :class:`ImageFace` in their ``face_image`` order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rekostub._images.bounded import (
    MAX_DIMENSION,
    UnreadableImage,
    read_step,
    reduced_png,
)
from rekostub._images.code import (
    CHROMA_TOL,
    COLORFUL,
    F32,
    FINDER_BG,
    FINDER_RG,
    FINDER_Y,
    GRAY_IMAGE_MAX_COLORFUL,
    GRAY_Y_TOL,
    GRID,
    INSET,
    MARGIN_COLOR,
    MAX_CANDIDATES,
    MIN_CONTRAST,
    MIN_FACE_PX,
    SIM_UNPINNED,
    U8,
    BoolArray,
    IntArray,
    _decode_bits,
    _edges,
)
from rekostub._images.dimensions import image_size
from rekostub._images.jpeg import PILLOW_HINT, JPEGError, PillowMissing, decode_jpeg
from rekostub._images.png import PNG_SIGNATURE, CostlyPNG, PNGError, decode_png
from rekostub._images.rings import _candidates, _close_gaps


class ImageDecodeError(Exception):
    """The bytes are a PNG or JPEG by signature but cannot be decoded (or are neither)."""


@dataclass(frozen=True)
class ImageFace:
    """One face read from an image."""

    seed: int  # 48-bit identity seed (rekostub._engine.embedding.identity_seed)
    similarity: float | None  # pinned similarity 0..100 (0.1 resolution) or None
    box: tuple[float, float, float, float]  # (left, top, width, height), ratios of the image
    quality: tuple[float, float]  # (brightness, sharpness), 0..100, 1.0 resolution


# ==========================================================================================
# Formats
# ==========================================================================================


def image_format(data: bytes) -> str | None:
    """``"PNG"`` or ``"JPEG"`` by the magic bytes at the start of ``data``, else ``None``."""
    head = bytes(data[:8])
    if head.startswith(PNG_SIGNATURE):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    return None


class ImageTooLargeError(ImageDecodeError):
    """The header gives a width or height above MAX_DIMENSION (the service's maximum)."""


def _decode(data: bytes) -> U8 | None:
    """The pixels of ``data`` (at a reduced scale above READ_PIXELS), or None for an image too
    costly to read for codes (see :mod:`rekostub._images.bounded`)."""
    fmt = image_format(data)
    size = image_size(bytes(data)) if fmt is not None else None
    step = 1
    if size is not None:
        if max(size) > MAX_DIMENSION:
            raise ImageTooLargeError(
                f"a {size[0]}x{size[1]} image: at most {MAX_DIMENSION:,} pixels a side"
            )
        step = read_step(*size)
    if fmt == "PNG":
        try:
            return decode_png(bytes(data)) if step == 1 else reduced_png(bytes(data), step)
        except (CostlyPNG, UnreadableImage):
            return None
        except PNGError as exc:
            raise ImageDecodeError(str(exc)) from None
    if fmt == "JPEG":
        try:
            return decode_jpeg(bytes(data), step)
        except PillowMissing:
            raise ImageDecodeError(f"JPEG images need Pillow: {PILLOW_HINT}") from None
        except JPEGError as exc:
            raise ImageDecodeError(str(exc)) from None
    raise ImageDecodeError("unsupported image format: only PNG and JPEG can be read")


# ==========================================================================================
# Reading
# ==========================================================================================


def _inner_span(profile: npt.NDArray[np.float64]) -> tuple[int, int] | None:
    """Where a ring profile (fraction of finder pixels per column/row) drops inside the ring."""
    ring = profile >= 0.5
    on = np.flatnonzero(ring)
    if on.size == 0:
        return None
    # Skip a thin fringe outside the ring (blur), then the ring itself.
    outer_lo, outer_hi = int(on[0]), int(on[-1]) + 1
    low = np.flatnonzero(~ring[outer_lo:outer_hi])
    if low.size == 0:
        return None
    first, last = outer_lo + int(low[0]), outer_lo + int(low[-1]) + 1
    n = profile.size
    if first > 0.3 * n or n - last > 0.3 * n:
        return None
    return first, last


def _centres(lo: int, hi: int) -> npt.NDArray[np.float64]:
    u = (hi - lo) / GRID
    return (lo + (np.arange(GRID) + 0.5) * u).astype(np.float64)


def _windows(
    centres: npt.NDArray[np.float64], unit: float, limit: int
) -> tuple[IntArray, IntArray]:
    half = max(0.5, 0.2 * unit)
    lo = np.floor(centres - half + 0.5).astype(np.int64)
    hi = np.floor(centres + half + 0.5).astype(np.int64)
    hi = np.maximum(hi, lo + 1)
    return np.clip(lo, 0, limit - 1), np.clip(hi, 1, limit)


def _luma(pixels: U8) -> F32:
    """Luminance (ITU-R BT.601, as Pillow's convert("L")) of gray or RGB pixels."""
    if pixels.ndim == 2:
        return pixels.astype(np.float32)
    rgb = pixels.astype(np.float32)
    luma: F32 = (0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]).astype(np.float32)
    return luma


def _read_component(
    mask: BoolArray, pixels: U8, comp: tuple[int, int, int, int, int]
) -> tuple[tuple[int, int, int, int, int], tuple[float, float, float, float]] | None:
    x0, y0, x1, y1, _ = comp
    sub = mask[y0:y1, x0:x1]
    cols = _inner_span(sub.mean(axis=0))
    rows = _inner_span(sub.mean(axis=1))
    if cols is None or rows is None:
        return None
    xl, xr = cols
    yt, yb = rows
    w, h = x1 - x0, y1 - y0
    if (xr - xl) < 0.6 * w or (yb - yt) < 0.6 * h:
        return None
    inner = int(sub[yt:yb, xl:xr].sum())
    inner_area = (xr - xl) * (yb - yt)
    ring_area = w * h - inner_area
    if ring_area <= 0 or (int(sub.sum()) - inner) < 0.7 * ring_area or inner > 0.35 * inner_area:
        return None

    # Sample the cells (central 40% of each) with an integral image of the component's area.
    patch = _luma(pixels[y0:y1, x0:x1]).astype(np.float64)
    integral = np.zeros((h + 1, w + 1))
    integral[1:, 1:] = patch.cumsum(axis=0).cumsum(axis=1)
    ux, uy = (xr - xl) / GRID, (yb - yt) / GRID
    cx0, cx1 = _windows(_centres(xl, xr), ux, w)
    cy0, cy1 = _windows(_centres(yt, yb), uy, h)
    sums = (
        integral[cy1[:, None], cx1[None, :]]
        - integral[cy0[:, None], cx1[None, :]]
        - integral[cy1[:, None], cx0[None, :]]
        + integral[cy0[:, None], cx0[None, :]]
    )
    values = sums / ((cy1 - cy0)[:, None] * (cx1 - cx0)[None, :])
    vmin, vmax = float(values.min()), float(values.max())
    if vmax - vmin < MIN_CONTRAST:
        return None
    threshold = (vmin + vmax) / 2
    for _ in range(8):  # 2-means between the dark and light cells
        dark = values < threshold
        if dark.all() or not dark.any():
            return None
        nxt = (float(values[dark].mean()) + float(values[~dark].mean())) / 2
        if nxt == threshold:
            break
        threshold = nxt
    fields = _decode_bits(values < threshold)
    if fields is None:
        return None
    # Columns/rows where a pixel differs from its predecessor inside the data area: in a
    # lossless image exactly the cell edges (where neighbouring cells differ).
    data = patch[yt:yb, xl:xr]
    col_steps = x0 + xl + 1 + np.flatnonzero((data[:, 1:] != data[:, :-1]).any(axis=0))
    row_steps = y0 + yt + 1 + np.flatnonzero((data[1:, :] != data[:-1, :]).any(axis=1))
    mid_y, mid_x = (y0 + y1) // 2, (x0 + x1) // 2
    mid_row = _luma(pixels[mid_y : mid_y + 1]).reshape(-1)
    mid_col = _luma(pixels[:, mid_x : mid_x + 1]).reshape(-1)
    left, right = _snap(
        (x0, x0 + xl, x0 + xr, x1),
        col_steps,
        (_margin_run(mid_row, x0 - 1, -1), _margin_run(mid_row, x1, 1)),
        x0 + xl - INSET * ux,
        x0 + xr + INSET * ux,
    )
    top, bottom = _snap(
        (y0, y0 + yt, y0 + yb, y1),
        row_steps,
        (_margin_run(mid_col, y0 - 1, -1), _margin_run(mid_col, y1, 1)),
        y0 + yt - INSET * uy,
        y0 + yb + INSET * uy,
    )
    return fields, (left, top, right, bottom)


def _margin_run(line: F32, start: int, step: int) -> int:
    """How many pixels of ``line`` from ``start`` (going ``step``) are the margin colour."""
    run = 0
    i = start
    while 0 <= i < line.size and abs(float(line[i]) - MARGIN_COLOR[0]) < 0.5:
        run += 1
        i += step
    return run


def _snap(
    seen: tuple[int, int, int, int],
    steps: IntArray,
    margins: tuple[int, int],
    lo: float,
    hi: float,
) -> tuple[float, float]:
    """The integer box edges that draw exactly what is seen along one axis, else (lo, hi).

    ``seen`` is (ring outer, ring inner, ring inner, ring outer); ``steps`` are the pixel
    positions where the data area changes; ``margins`` the lengths of the margin-coloured
    runs outside the ring. In a lossless image these pin down the pixel box face_image
    drew (the margin runs settle the rounding ties of the rest); after JPEG or resizing
    nothing matches and the estimate stands.
    """
    if steps.size < GRID - 3 or steps.size > GRID - 1:
        return lo, hi
    wanted = set(steps.tolist())
    best: tuple[float, int, int] | None = None
    base_lo, base_hi = math.floor(lo), math.floor(hi)
    for start in range(base_lo - 2, base_lo + 4):
        for stop in range(base_hi - 2, base_hi + 4):
            if stop - start < MIN_FACE_PX // 2:
                continue
            edges = _edges(start, stop)
            if (edges[0], edges[1], edges[-2], edges[-1]) != seen:
                continue
            if not wanted <= set(edges[2:-2]):
                continue
            distance = abs(start - lo) + abs(stop - hi)
            if start == seen[0] - margins[0] and stop == seen[3] + margins[1]:
                distance -= 100.0  # the margin band ends exactly there: this is the box
            if best is None or distance < best[0]:
                best = (distance, start, stop)
    if best is None:
        return lo, hi
    return float(best[1]), float(best[2])


def _scan(
    mask: BoolArray, pixels: U8
) -> list[tuple[tuple[int, int, int, int, int], tuple[float, float, float, float]]]:
    found = []
    mask = _close_gaps(mask)
    for comp in _candidates(mask)[:MAX_CANDIDATES]:
        hit = _read_component(mask, pixels, comp)
        if hit is not None:
            found.append(hit)
    return found


def read_faces(data: bytes) -> list[ImageFace]:
    """The faces whose codes are found in the PNG or JPEG ``data``.

    Boxes are ratios of this image. Faces come in their ``face_image`` order (ties: larger
    first, then top-to-bottom, left-to-right). An image without codes gives ``[]``.
    Raises :class:`ImageDecodeError` if ``data`` is not a decodable PNG/JPEG (JPEG needs
    Pillow).
    """
    pixels = _decode(data)
    if pixels is None:
        return []
    height, width = pixels.shape[:2]
    found = []
    gray = pixels.ndim == 2
    if not gray:
        # Colour mode: the finder's chroma, measured as (R - G, B - G).
        wide = pixels.astype(np.int16)
        green = wide[..., 1]
        dr = wide[..., 0] - green
        db = wide[..., 2] - green
        mask = (np.abs(dr - FINDER_RG) < CHROMA_TOL) & (np.abs(db - FINDER_BG) < CHROMA_TOL)
        found = _scan(mask, pixels)
        if not found:
            colorful = np.count_nonzero((np.abs(dr) > COLORFUL) | (np.abs(db) > COLORFUL))
            gray = bool(colorful <= GRAY_IMAGE_MAX_COLORFUL * dr.size)
    if gray and not found:
        # Grayscale mode: the finder is the only large mid-gray frame.
        found = _scan(np.abs(_luma(pixels) - FINDER_Y) < GRAY_Y_TOL, pixels)

    faces: list[tuple[tuple[int, float, float, float], ImageFace]] = []
    for (seed, sim, bright, sharp, index), (bx0, by0, bx1, by1) in found:
        left = min(max(bx0 / width, 0.0), 1.0)
        top = min(max(by0 / height, 0.0), 1.0)
        right = min(max(bx1 / width, 0.0), 1.0)
        bottom = min(max(by1 / height, 0.0), 1.0)
        box = (left, top, right - left, bottom - top)
        face = ImageFace(
            seed=seed,
            similarity=None if sim == SIM_UNPINNED else sim / 10.0,
            box=box,
            quality=(float(bright), float(sharp)),
        )
        faces.append(((index, -box[2] * box[3], top, left), face))
    faces.sort(key=lambda item: item[0])
    return [face for _, face in faces]
