"""The face code itself, shared by the writer and the reader: the geometry of a face box in
units of one data cell (``SPAN`` = 13 units: margin, finder ring, 10 x 10 data cells), the
colours, the 100-bit payload (field widths, whitening, CRC-16) and its encoding to and
decoding from a 10 x 10 bit grid, the limits (``MAX_FACES``, ``MIN_FACE_PX``,
``DEFAULT_QUALITY``), and the pixel edges of the ring and cells along one axis of a box. The
layout is described in :mod:`rekostub._images.codec`.
"""

from __future__ import annotations

import binascii
import hashlib
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

# --- geometry, in units of one data cell -------------------------------------------------
GRID = 10
RING = 1.0
MARGIN = 0.5
SPAN = GRID + 2 * RING + 2 * MARGIN  # 13 units across a face box
INSET = RING + MARGIN  # from the inner (data) rectangle out to the face box

MAX_FACES = 100
MIN_FACE_PX = 48
DEFAULT_FACE_PX = 128
LAYOUT_GAP = 16
LAYOUT_PER_ROW = 10
MAX_IMAGE_SIDE = 8192

# --- colours ------------------------------------------------------------------------------
FINDER = (232, 56, 216)
BACKGROUND = (236, 236, 236)  # must stay neutral (face_image fills it with np.full)
MARGIN_COLOR = (248, 248, 248)  # the margin band inside a face box: neutral, lighter
DARK = (0, 0, 0)
LIGHT = (255, 255, 255)


def _luma_of(rgb: tuple[int, int, int]) -> float:
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]


FINDER_Y = _luma_of(FINDER)  # 126.9
FINDER_RG = FINDER[0] - FINDER[1]  # R - G = 176
FINDER_BG = FINDER[2] - FINDER[1]  # B - G = 160
CHROMA_TOL = 64  # colour mode: |R - G - 176| and |B - G - 160| both below this
GRAY_Y_TOL = 30.0  # grayscale mode: |Y - 127| below this
COLORFUL = 24  # a pixel with |R - G| or |B - G| above this has colour
GRAY_IMAGE_MAX_COLORFUL = 0.02  # grayscale mode only if at most 2% of pixels have colour
MIN_RUN = 2
MIN_CODE_SIDE = 20
MIN_CONTRAST = 48.0
MAX_CANDIDATES = 1000  # ring-like components tried per image (a bound on time)

# --- payload ------------------------------------------------------------------------------
VERSION = 0b1011
SEED_BITS = 48
SIM_BITS = 11
SIM_UNPINNED = (1 << SIM_BITS) - 1
QUALITY_BITS = 7
INDEX_BITS = 7
PAYLOAD_BITS = 4 + SEED_BITS + SIM_BITS + 2 * QUALITY_BITS + INDEX_BITS  # 84
CODE_BITS = PAYLOAD_BITS + 16  # 100 == GRID * GRID
DEFAULT_QUALITY = (90.0, 90.0)

_WHITEN = np.unpackbits(
    np.frombuffer(hashlib.sha256(b"rekostub face code v1").digest(), dtype=np.uint8)
)[:CODE_BITS].astype(bool)


@dataclass(frozen=True)
class _Spec:
    identity: str
    seed: int
    sim_code: int
    brightness: int
    sharpness: int
    box: tuple[float, float, float, float] | None


# ==========================================================================================
# Bits
# ==========================================================================================


def _crc16(payload: int) -> int:
    return binascii.crc_hqx(payload.to_bytes(11, "big"), 0xFFFF)


def _encode_bits(spec: _Spec, index: int) -> BoolArray:
    payload = VERSION
    for value, width in (
        (spec.seed, SEED_BITS),
        (spec.sim_code, SIM_BITS),
        (spec.brightness, QUALITY_BITS),
        (spec.sharpness, QUALITY_BITS),
        (index, INDEX_BITS),
    ):
        payload = (payload << width) | value
    code = (payload << 16) | _crc16(payload)
    bits = np.array([(code >> (CODE_BITS - 1 - k)) & 1 for k in range(CODE_BITS)], dtype=bool)
    grid: BoolArray = (bits ^ _WHITEN).reshape(GRID, GRID)
    return grid


def _decode_bits(grid: BoolArray) -> tuple[int, int, int, int, int] | None:
    """(seed, sim_code, brightness, sharpness, index), or None if the code does not check."""
    bits = grid.reshape(-1) ^ _WHITEN
    code = int.from_bytes(np.packbits(np.concatenate([np.zeros(4, bool), bits])).tobytes(), "big")
    payload, crc = code >> 16, code & 0xFFFF
    if _crc16(payload) != crc or payload >> (PAYLOAD_BITS - 4) != VERSION:
        return None
    index = payload & ((1 << INDEX_BITS) - 1)
    payload >>= INDEX_BITS
    sharp = payload & ((1 << QUALITY_BITS) - 1)
    payload >>= QUALITY_BITS
    bright = payload & ((1 << QUALITY_BITS) - 1)
    payload >>= QUALITY_BITS
    sim = payload & SIM_UNPINNED
    payload >>= SIM_BITS
    seed = payload & ((1 << SEED_BITS) - 1)
    if sharp > 100 or bright > 100 or (sim > 1000 and sim != SIM_UNPINNED) or index >= MAX_FACES:
        return None
    return seed, sim, bright, sharp, index


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def _edges(start: int, stop: int) -> list[int]:
    """Pixel edges of: ring outer, then the GRID + 1 cell edges, then ring outer (one axis)."""
    u = (stop - start) / SPAN
    marks = [MARGIN] + [MARGIN + RING + j for j in range(GRID + 1)] + [SPAN - MARGIN]
    return [_round_half_up(start + m * u) for m in marks]
