"""A small PNG reader and writer in pure zlib + struct + numpy (no Pillow).

Reader: every colour type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA), every bit
depth the format allows (1/2/4/8/16), filter types 0-4, non-interlaced and Adam7
interlaced, ``tRNS`` transparency. Ancillary chunks are skipped; the CRCs of the critical
chunks (IHDR, PLTE, IDAT) are checked. The result is 8-bit: an (H, W) gray array for
colour types 0/4 and an (H, W, 3) RGB array otherwise; transparent pixels are composited
over white, and 16-bit samples keep their high byte.

Unfiltering is vectorised: rows that use only filters 0 (None), 1 (Sub) and 2 (Up) are
undone with cumulative sums; if any row uses 3 (Average) or 4 (Paeth), the whole image
is reconstructed along anti-diagonals (pixel (r, x) only depends on pixels of earlier
diagonals), which is O(W + H) numpy steps instead of a per-byte Python loop.

Writer: 8-bit RGB, filter 2 (Up) on every row, zlib level 3 (fast; the images are flat).
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["PNG_SIGNATURE", "CostlyPNG", "PNGError", "decode_png", "encode_png", "png_chunks"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

U8 = npt.NDArray[np.uint8]

# Largest image the reader accepts (pixels): a guard against decompression bombs.
MAX_PIXELS = 1 << 27

_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_ADAM7 = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)


class PNGError(Exception):
    """The bytes carry the PNG signature but are not a PNG this reader can decode."""


class CostlyPNG(PNGError):
    """A valid PNG whose Average/Paeth rows would cost more than the bounds below to undo."""


# Bounds on undoing Average/Paeth rows (estimated microseconds; bytes of the wavefront's copies).
MAX_UNFILTER_US = 500_000.0
MAX_WAVEFRONT_BYTES = 200 << 20


def _chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(payload, zlib.crc32(kind)) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def encode_png(rgb: U8, level: int = 3) -> bytes:
    """An 8-bit RGB PNG of the (H, W, 3) uint8 array ``rgb``."""
    height, width, _ = rgb.shape
    rows = np.ascontiguousarray(rgb, dtype=np.uint8).reshape(height, width * 3)
    filtered = np.empty((height, width * 3 + 1), dtype=np.uint8)
    filtered[:, 0] = 2  # Up
    filtered[0, 1:] = rows[0]
    if height > 1:
        np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])  # wraps modulo 256
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"".join(
        (
            PNG_SIGNATURE,
            _chunk(b"IHDR", ihdr),
            _chunk(b"IDAT", zlib.compress(filtered.data, level)),
            _chunk(b"IEND", b""),
        )
    )


def _paeth_row(cur: bytearray, prior: bytes, bpp: int) -> None:
    """Undo the Paeth filter of one row in place (pure Python; used for a few rows)."""
    for i in range(bpp):
        cur[i] = (cur[i] + prior[i]) & 255
    for i in range(bpp, len(cur)):
        a = cur[i - bpp]
        b = prior[i]
        c = prior[i - bpp]
        pa = b - c if b >= c else c - b
        pb = a - c if a >= c else c - a
        pc = a + b - c - c
        if pc < 0:
            pc = -pc
        if pa <= pb and pa <= pc:
            cur[i] = (cur[i] + a) & 255
        elif pb <= pc:
            cur[i] = (cur[i] + b) & 255
        else:
            cur[i] = (cur[i] + c) & 255


def _average_row(cur: bytearray, prior: bytes, bpp: int) -> None:
    """Undo the Average filter of one row in place (pure Python; used for a few rows)."""
    for i in range(bpp):
        cur[i] = (cur[i] + (prior[i] >> 1)) & 255
    for i in range(bpp, len(cur)):
        cur[i] = (cur[i] + ((cur[i - bpp] + prior[i]) >> 1)) & 255


def _unfilter_rows(ft: U8, data: U8, bpp: int) -> U8:
    """Undo the filters row by row: numpy for types 0-2, Python loops for 3 and 4."""
    height, stride = data.shape
    out: U8 = data.copy()
    zero = np.zeros(stride, dtype=np.uint8)
    for r in range(height):
        kind = int(ft[r])
        row = out[r]
        prior = out[r - 1] if r else zero
        if kind == 1:
            lanes = row.reshape(stride // bpp, bpp)
            np.cumsum(lanes, axis=0, dtype=np.uint8, out=lanes)
        elif kind == 2:
            np.add(row, prior, out=row)
        elif kind >= 3:
            cur = bytearray(row.tobytes())
            if kind == 3:
                _average_row(cur, prior.tobytes(), bpp)
            else:
                _paeth_row(cur, prior.tobytes(), bpp)
            row[:] = np.frombuffer(bytes(cur), dtype=np.uint8)
    return out


def _unfilter_wavefront(ft: U8, data: U8, bpp: int) -> U8:
    """Undo any mix of filters 0-4 for many rows at once, one anti-diagonal per step.

    Pixel (r, x) depends only on (r, x-1), (r-1, x) and (r-1, x-1), all on earlier
    anti-diagonals r + x. The image is stored skewed, ``S[r + x + 2, r + 1] = pixel (r, x)``,
    so every diagonal and its two predecessors are contiguous slices; the never-written
    entries (x = -1 or r = -1) stay 0 as the PNG spec requires.
    """
    height, stride = data.shape
    width = stride // bpp
    rows = np.arange(height)
    cols = np.arange(width)
    diag = rows[:, None] + cols[None, :] + 2
    lane = np.broadcast_to(rows[:, None] + 1, (height, width))
    filt = np.zeros((height + width + 1, height + 1, bpp), dtype=np.int16)
    filt[diag, lane] = data.reshape(height, width, bpp)
    skew = np.zeros_like(filt)
    kinds = np.zeros((height + 1, 1), dtype=np.int16)
    kinds[1:, 0] = ft
    present = {int(k) for k in np.unique(ft)}
    for d in range(height + width - 1):
        lo = max(0, d - width + 1) + 1
        hi = min(height - 1, d) + 2
        dd = d + 2
        a = skew[dd - 1, lo:hi]
        b = skew[dd - 1, lo - 1 : hi - 1]
        c = skew[dd - 2, lo - 1 : hi - 1]
        k = kinds[lo:hi]
        pred = np.zeros_like(a)
        if 1 in present:
            pred = np.where(k == 1, a, pred)
        if 2 in present:
            pred = np.where(k == 2, b, pred)
        if 3 in present:
            pred = np.where(k == 3, (a + b) >> 1, pred)
        if 4 in present:
            pa = np.abs(b - c)
            pb = np.abs(a - c)
            pc = np.abs(a + b - c - c)
            paeth = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
            pred = np.where(k == 4, paeth, pred)
        np.bitwise_and(filt[dd, lo:hi] + pred, 255, out=skew[dd, lo:hi])
    out: U8 = skew[diag, lane].astype(np.uint8).reshape(height, stride)
    return out


def _unfilter(raw: bytes, offset: int, height: int, stride: int, bpp: int) -> U8:
    size = height * (stride + 1)
    if len(raw) < offset + size:
        raise PNGError("PNG image data is truncated")
    block = np.frombuffer(raw, dtype=np.uint8, count=size, offset=offset).reshape(
        height, stride + 1
    )
    ft = block[:, 0]
    data = block[:, 1:]
    if int(ft.max(initial=0)) > 4:
        raise PNGError(f"invalid PNG filter type {int(ft.max())}")
    # Rough costs (microseconds): a Python loop spends ~0.3 per byte of an Average/Paeth
    # row; the wavefront ~20 per diagonal plus ~0.03 per byte on it.
    hard = int(np.count_nonzero(ft >= 3))
    loop_cost = 0.3 * hard * stride
    wave_cost = (height + stride // bpp) * (20.0 + 0.03 * height * bpp)
    if 4 * (height + stride // bpp + 1) * (height + 1) * bpp > MAX_WAVEFRONT_BYTES:
        wave_cost = float("inf")  # the skewed copies would not fit the memory bound
    if hard and min(loop_cost, wave_cost) > MAX_UNFILTER_US:
        raise CostlyPNG(
            f"undoing the Average/Paeth filters of this {stride // bpp}-pixel-wide, "
            f"{height}-row PNG would take seconds"
        )
    if hard and loop_cost > wave_cost:
        return _unfilter_wavefront(ft, data, bpp)
    return _unfilter_rows(ft, data, bpp)


def _samples(rows: U8, width: int, channels: int, depth: int) -> npt.NDArray[Any]:
    """(h, width, channels) samples of unfiltered scanlines: uint8, or uint16 for depth 16."""
    height = rows.shape[0]
    if depth == 8:
        return rows[:, : width * channels].reshape(height, width, channels)
    if depth == 16:
        pairs = rows[:, : width * channels * 2].reshape(height, width, channels, 2)
        high = pairs[..., 0].astype(np.uint16)
        wide: npt.NDArray[Any] = (high << 8) | pairs[..., 1].astype(np.uint16)
        return wide
    bits = np.unpackbits(rows, axis=1)[:, : width * depth].reshape(height, width, depth)
    weights = (1 << np.arange(depth - 1, -1, -1)).astype(np.uint8)
    packed: npt.NDArray[Any] = (bits * weights).sum(axis=2, dtype=np.uint8)
    return packed.reshape(height, width, 1)


_Header = tuple[int, int, int, int, int, int, int]
#: (IHDR fields, PLTE, tRNS, IDAT payloads) of a PNG whose header :func:`png_chunks` checked.
Chunks = tuple[_Header, "bytes | None", "bytes | None", list[bytes]]


def png_chunks(data: bytes) -> Chunks:
    """The critical chunks of a PNG, checked (CRCs, colour type, depth, size, IDAT present)."""
    if not data.startswith(PNG_SIGNATURE):
        raise PNGError("not a PNG image")
    pos = len(PNG_SIGNATURE)
    header: tuple[int, int, int, int, int, int, int] | None = None
    palette: bytes | None = None
    trns: bytes | None = None
    idat: list[bytes] = []
    end = len(data)
    while True:
        if pos + 8 > end:
            raise PNGError("PNG is truncated (no IEND chunk)")
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if len(body) != length or pos + 12 + length > end:
            raise PNGError(f"PNG chunk {kind!r} is truncated")
        crc = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
        pos += 12 + length
        if kind in (b"IHDR", b"PLTE", b"IDAT") and crc != (
            zlib.crc32(body, zlib.crc32(kind)) & 0xFFFFFFFF
        ):
            raise PNGError(f"PNG chunk {kind.decode('latin-1')} has a bad CRC")
        if kind == b"IHDR":
            if length != 13:
                raise PNGError("PNG IHDR chunk has the wrong length")
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = body
        elif kind == b"tRNS":
            trns = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        if header is None:
            raise PNGError("PNG does not start with an IHDR chunk")
    if header is None:
        raise PNGError("PNG has no IHDR chunk")
    width, height, depth, ctype, compression, filtering, interlace = header
    if ctype not in _CHANNELS or depth not in _DEPTHS[ctype]:
        raise PNGError(f"unsupported PNG colour type {ctype} with bit depth {depth}")
    if compression != 0 or filtering != 0 or interlace not in (0, 1):
        raise PNGError("unsupported PNG compression, filter or interlace method")
    if width == 0 or height == 0 or width * height > MAX_PIXELS:
        raise PNGError(f"unsupported PNG size {width}x{height}")
    if ctype == 3 and (palette is None or len(palette) % 3 or not palette):
        raise PNGError("palette PNG without a valid PLTE chunk")
    if not idat:
        raise PNGError("PNG has no image data (IDAT)")
    return header, palette, trns, idat


def decode_png(data: bytes) -> U8:
    """Decode PNG bytes to (H, W) gray or (H, W, 3) RGB uint8 (see the module docstring)."""
    header, palette, trns, idat = png_chunks(data)
    width, height, depth, ctype, _, _, interlace = header
    channels = _CHANNELS[ctype]
    bits_pp = channels * depth
    bpp = max(1, bits_pp // 8)

    def stride_of(w: int) -> int:
        return (w * bits_pp + 7) // 8

    if interlace == 0:
        expected = height * (stride_of(width) + 1)
    else:
        expected = 0
        for x0, y0, dx, dy in _ADAM7:
            pw = (width - x0 + dx - 1) // dx if width > x0 else 0
            ph = (height - y0 + dy - 1) // dy if height > y0 else 0
            if pw and ph:
                expected += ph * (stride_of(pw) + 1)
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(b"".join(idat), expected)
    except zlib.error as exc:
        raise PNGError(f"PNG image data is corrupt: {exc}") from None
    if len(raw) < expected:
        raise PNGError("PNG image data is truncated")

    if interlace == 0:
        rows = _unfilter(raw, 0, height, stride_of(width), bpp)
        samples = _samples(rows, width, channels, depth)
    else:
        samples = np.zeros((height, width, channels), dtype=np.uint16 if depth == 16 else np.uint8)
        offset = 0
        for x0, y0, dx, dy in _ADAM7:
            pw = (width - x0 + dx - 1) // dx if width > x0 else 0
            ph = (height - y0 + dy - 1) // dy if height > y0 else 0
            if not (pw and ph):
                continue
            rows = _unfilter(raw, offset, ph, stride_of(pw), bpp)
            offset += ph * (stride_of(pw) + 1)
            samples[y0::dy, x0::dx] = _samples(rows, pw, channels, depth)
    return _to_8bit(samples, ctype, depth, palette, trns)


def _to_8bit(
    samples: npt.NDArray[Any],
    ctype: int,
    depth: int,
    palette: bytes | None,
    trns: bytes | None,
) -> U8:
    alpha: npt.NDArray[np.float32] | None = None
    if ctype == 3:
        assert palette is not None
        entries = np.frombuffer(palette, dtype=np.uint8).reshape(-1, 3)
        table = np.zeros((256, 3), dtype=np.uint8)
        table[: len(entries)] = entries[:256]
        index = samples[..., 0].astype(np.uint8)
        color = table[index]
        if trns:
            atable = np.full(256, 255, dtype=np.uint8)
            tv = np.frombuffer(trns, dtype=np.uint8)[:256]
            atable[: len(tv)] = tv
            alpha = atable[index].astype(np.float32) / 255.0
        return _composite(color, alpha)
    if ctype in (0, 2) and trns is not None:
        key_n = 1 if ctype == 0 else 3
        if len(trns) >= 2 * key_n:
            key = np.array(struct.unpack(f">{key_n}H", trns[: 2 * key_n]), dtype=np.uint16)
            transparent = np.all(samples[..., :key_n] == key, axis=-1)
            alpha = np.where(transparent, 0.0, 1.0).astype(np.float32)
    if depth == 16:
        values = (samples >> 8).astype(np.uint8)
    elif depth < 8:
        values = (samples * (255 // ((1 << depth) - 1))).astype(np.uint8)
    else:
        values = samples.astype(np.uint8)
    if ctype in (4, 6):
        alpha = values[..., -1].astype(np.float32) / 255.0
        values = values[..., :-1]
    if ctype in (0, 4):
        return _composite(values[..., 0], alpha)
    return _composite(values, alpha)


def _composite(values: U8, alpha: npt.NDArray[np.float32] | None) -> U8:
    """Composite over white (no-op without alpha or when every pixel is opaque)."""
    if alpha is None or bool((alpha >= 1.0).all()):
        return np.ascontiguousarray(values)
    if values.ndim == 3:
        alpha = alpha[..., None]
    mixed = values.astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
    return np.clip(np.floor(mixed + 0.5), 0, 255).astype(np.uint8)
