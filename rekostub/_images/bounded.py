"""Bounds on reading an image: its size from the header, before any pixel is decoded, and a
reduced-resolution reader for images larger than rekostub reads at full resolution.

* The size comes from the PNG's IHDR or the JPEG's SOF marker
  (:func:`rekostub._images.dimensions.image_size`): a few bytes, whatever the image's size.
* :data:`MAX_DIMENSION`: the largest width or height the service documents for an image (Developer
  Guide, "Guidelines and quotas": 10,000 pixels for DetectLabels and DetectModerationLabels; no
  maximum is documented for the face operations, so the largest documented one applies). Larger
  images are ``ImageTooLargeException``, whose model documentation covers "the image size or
  resolution exceeds the allowed limit".
* :data:`READ_PIXELS`: images up to 1920 x 1080 pixels are read at full resolution. Larger ones
  are read at a reduced scale (every ``step``-th row and column, ``step`` as small as keeps the
  image within that area), as the service documents that above 1920 x 1080 a face must be
  proportionally larger to be detected. JPEGs are decoded at the reduced scale by the JPEG decoder
  itself (Pillow's ``draft``); PNGs are inflated with a bound on every step and unfiltered band by
  band (filters None, Sub, Up, vectorised); a PNG larger than that area whose rows use the Average
  or Paeth filters, or that is interlaced, costs seconds to unfilter and is not read for face codes
  (rekostub's own images never use them): it shows no codes.
* A PNG within that area whose Average/Paeth rows would still take more than about half a
  second to undo (``png.CostlyPNG``, e.g. 80 x 25,000 pixels) is treated the same way.
"""

from __future__ import annotations

import math
import zlib
from typing import Any

import numpy as np
import numpy.typing as npt

from rekostub._images.png import PNGError, _samples, _to_8bit, png_chunks

__all__ = ["MAX_DIMENSION", "READ_PIXELS", "read_step", "reduced_png"]

U8 = npt.NDArray[np.uint8]

MAX_DIMENSION = 10_000
READ_PIXELS = 1920 * 1080
# Bytes of inflated scanlines handled per band (bounds the reduced reader's memory).
_BAND_BYTES = 4 << 20
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


class UnreadableImage(Exception):
    """An image the service would take but rekostub does not read for face codes (too costly)."""


def read_step(width: int, height: int) -> int:
    """The smallest ``step`` such that every ``step``-th row and column fit in READ_PIXELS."""
    step = max(1, math.isqrt(max(0, width * height - 1) // READ_PIXELS))
    while math.ceil(width / step) * math.ceil(height / step) > READ_PIXELS:
        step += 1
    return step


def _unfilter_band(band: U8, prior: U8, bpp: int) -> U8:
    """Undo filters 0 (None), 1 (Sub) and 2 (Up) for ``band`` (rows with their filter byte)
    following the unfiltered row ``prior``: one numpy step per row (a running sum along a Sub
    row, an addition for an Up row), so the cost is that of reading the bytes."""
    kinds = band[:, 0].tolist()
    rows: U8 = band[:, 1:].copy()
    previous = prior
    for r, kind in enumerate(kinds):
        row = rows[r]
        if kind == 1:
            lanes = row.reshape(-1, bpp)
            np.cumsum(lanes, axis=0, dtype=np.uint8, out=lanes)
        elif kind == 2:
            np.add(row, previous, out=row)
        previous = row
    return rows


def reduced_png(data: bytes, step: int) -> U8:
    """Every ``step``-th row and column of a PNG, decoded with bounded memory.

    Raises PNGError for a malformed PNG, UnreadableImage for one using Average/Paeth filters or
    interlacing (see the module docstring).
    """
    header, palette, trns, idat = png_chunks(data)
    width, height, depth, ctype, _, _, interlace = header
    if interlace:
        raise UnreadableImage("an interlaced PNG this large is not read for face codes")
    channels = _CHANNELS[ctype]
    bits_pp = channels * depth
    bpp = max(1, bits_pp // 8)
    stride = (width * bits_pp + 7) // 8
    row_len = stride + 1
    band_rows = max(1, _BAND_BYTES // row_len)
    inflater = zlib.decompressobj()
    source = b"".join(idat)
    prior = np.zeros(stride, dtype=np.uint8)
    kept: list[npt.NDArray[Any]] = []
    done = 0
    try:
        while done < height:
            count = min(band_rows, height - done)
            want = count * row_len
            raw = inflater.decompress(source, want)  # never more than this band
            source = inflater.unconsumed_tail
            while len(raw) < want and source:
                raw += inflater.decompress(source, want - len(raw))
                source = inflater.unconsumed_tail
            if len(raw) < want:
                raise PNGError("PNG image data is truncated")
            band = np.frombuffer(raw, dtype=np.uint8).reshape(count, row_len)
            top = int(band[:, 0].max())
            if top > 4:
                raise PNGError(f"invalid PNG filter type {top}")
            if top >= 3:
                raise UnreadableImage(
                    "a PNG this large whose rows use the Average or Paeth filter is not read "
                    "for face codes"
                )
            rows = _unfilter_band(band, prior, bpp)
            prior = rows[-1]
            first = (-done) % step
            picked = rows[first::step]
            if len(picked):
                # a copy: a view would keep the whole band alive
                kept.append(_samples(picked, width, channels, depth)[:, ::step].copy())
            done += count
    except zlib.error as exc:
        raise PNGError(f"PNG image data is corrupt: {exc}") from None
    return _to_8bit(np.concatenate(kept), ctype, depth, palette, trns)
