"""Images that carry their faces in their pixels.

rekostub has no face model. Instead, :func:`face_image` draws every face as a visual code
that fills the face's bounding box, and :func:`read_faces` finds and reads the codes back
from whatever image arrives -- the original PNG, a JPEG re-encoding of it, or a crop of one
face box (re-saved as JPEG/PNG, resized, converted to grayscale), which is what
``DetectFaces`` -> crop -> ``SearchUsersByImage`` pipelines such as AWS's
``rekognition-user-vectors`` sample do.

Code layout
-----------
A face box is divided, along each axis, into 13 equal *units* (boxes need not be square;
units are then rectangles). Edge ``k`` of a box [x0, x1) is pixel
``floor(x0 + k * (x1 - x0) / 13 + 0.5)``::

    | 0.5 margin | 1 finder ring | 10 data cells | 1 finder ring | 0.5 margin |

* **margin** -- a neutral light band (``MARGIN_COLOR`` = 248 gray; the image background
  outside the boxes is ``BACKGROUND`` = 236 gray). It keeps neighbouring codes apart
  (touching boxes are fine) and means a crop that is a pixel or two off the box still
  contains the whole ring. In lossless images its extent also settles the exact box.
* **finder ring** -- a solid frame of ``FINDER`` = RGB(232, 56, 216): a saturated magenta
  whose luminance (Y = 0.299 R + 0.587 G + 0.114 B = 127) is mid-gray, halfway between
  the black and white data cells. In colour images it is found by its chroma; in grayscale
  images (or when the colour search finds nothing) by its mid-gray luminance.
* **data** -- 10 x 10 cells, black (bit 1) or white (bit 0), read row by row, left to right.
  The 100 bits, most significant first, after XOR with a fixed whitening pattern
  (SHA-256 of ``b"rekostub face code v1"``), are::

      version 4 (0b1011) | seed 48 | similarity 11 | brightness 7 | sharpness 7
      | index 7 | CRC-16/CCITT-FALSE 16 (over the first 84 bits, zero-padded to 11 bytes)

  ``similarity`` is round(S * 10) for a pinned similarity S in [0, 100], or 2047 when not
  pinned; ``brightness``/``sharpness`` are rounded to integers 0..100 (a face given
  without them carries ``DEFAULT_QUALITY`` = (90, 90)); ``index`` is the
  face's position in the :func:`face_image` call (0..99). A face whose CRC, version or
  field ranges do not check out is ignored.

Reading
-------
1. Decode: PNG with the pure zlib+numpy reader of :mod:`rekostub._png`; JPEG with Pillow
   (optional; without it :class:`ImageDecodeError` names ``pip install Pillow``).
2. Mask the finder pixels -- colour images: |R - G - 176| < 64 and |B - G - 160| < 64;
   grayscale images (decoded as gray, or with colour in at most 2 % of the pixels) and
   only when the colour search found nothing: |Y - 127| < 30 -- close gaps of <= 2 px
   (JPEG chroma can crack a thin ring), then split the mask into horizontal runs of >= 2
   pixels and join runs that overlap in adjacent rows into
   connected components (vectorised union-find; no scipy).
3. For each component that is ring-shaped (bounding box >= 20 px a side, 12-65 % of it
   filled): the *inner* edges of the ring are where the column/row profiles of the mask
   drop below 50 %. The inner rectangle is the data grid; each cell is sampled as the
   mean luminance of its central 40 % x 40 %, thresholded by 2-means between the dark and
   light samples. Using the inner edges makes reading independent of the ring's outer edge,
   which a tight crop may cut.
4. The reported box is the inner rectangle grown by 1.5 units on every side (that is the
   box :func:`face_image` was given), clipped to the image, as ratios of this image:
   within about a pixel after JPEG or resizing. In a lossless image, the integer pixel
   box whose drawing reproduces exactly the ring edges, the cell edges and the margin band
   seen is reported instead: the very box face_image drew.

Faces come back in their ``face_image`` order (the encoded index), ties by size, largest
first. With the default layout that order is also largest first.

Sizes
-----
A face box must be at least ``MIN_FACE_PX`` = 48 px wide and high (about 3.7 px per
cell): enough for lossless PNG and JPEG of the whole image. Boxes of 96 px or more (64 px
in our measurements) survive JPEG q75, cropping the box (+-2 px), resizing the crop by
0.8x..1.25x with any Pillow filter, and grayscale conversion.

Default layout (faces without a ``box``)
----------------------------------------
Square faces, left to right in rows of at most 10, top-aligned, 16 px apart and 16 px
from the image edge. Sizes strictly decrease in argument order: face ``k`` of ``n`` is
``128 + step * (n - 1 - k)`` px with ``step = max(1, 64 // n)`` -- one face is 128 px;
three are 170, 149 and 128 px. So the first face is the largest and the last is the
smallest. With ``size=`` the whole layout (padding included) is scaled to fit that size
and centred. With explicit boxes and no ``size``, the image is made just big enough for
the narrowest box to be 128 px wide and the lowest 128 px high.
"""

from __future__ import annotations

import binascii
import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from rekostub._embedding import identity_seed
from rekostub._jpeg import PILLOW_HINT, JPEGError, PillowMissing, decode_jpeg, encode_jpeg
from rekostub._png import PNG_SIGNATURE, PNGError, decode_png, encode_png

__all__ = [
    "DEFAULT_QUALITY",
    "MAX_FACES",
    "MIN_FACE_PX",
    "ImageDecodeError",
    "ImageFace",
    "face_image",
    "image_format",
    "read_faces",
]

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


class ImageDecodeError(Exception):
    """The bytes are a PNG or JPEG by signature but cannot be decoded (or are neither)."""


@dataclass(frozen=True)
class ImageFace:
    """One face read from an image."""

    seed: int  # 48-bit identity seed (rekostub._embedding.identity_seed)
    similarity: float | None  # pinned similarity 0..100 (0.1 resolution) or None
    box: tuple[float, float, float, float]  # (left, top, width, height), ratios of the image
    quality: tuple[float, float]  # (brightness, sharpness), 0..100, 1.0 resolution


@dataclass(frozen=True)
class _Spec:
    identity: str
    seed: int
    sim_code: int
    brightness: int
    sharpness: int
    box: tuple[float, float, float, float] | None


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


def _decode(data: bytes) -> U8:
    fmt = image_format(data)
    if fmt == "PNG":
        try:
            return decode_png(bytes(data))
        except PNGError as exc:
            raise ImageDecodeError(str(exc)) from None
    if fmt == "JPEG":
        try:
            return decode_jpeg(bytes(data))
        except PillowMissing:
            raise ImageDecodeError(f"JPEG images need Pillow: {PILLOW_HINT}") from None
        except JPEGError as exc:
            raise ImageDecodeError(str(exc)) from None
    raise ImageDecodeError("unsupported image format: only PNG and JPEG can be read")


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


# ==========================================================================================
# Writing
# ==========================================================================================


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{what} must be a number, not {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"{what} must be finite, not {value!r}")
    return out


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


_FACE_KEYS = ("identity", "similarity", "box", "quality")
_BOX_KEYS = ("Left", "Top", "Width", "Height")
_QUALITY_KEYS = ("Brightness", "Sharpness")


def _parse_box(value: Any, who: str) -> tuple[float, float, float, float]:
    if isinstance(value, Mapping):
        unknown = sorted(set(map(str, value)) - set(_BOX_KEYS))
        missing = [k for k in _BOX_KEYS if k not in value]
        if unknown or missing:
            raise ValueError(
                f"{who}: box needs exactly the keys Left, Top, Width, Height "
                f"(missing {missing}, unknown {unknown})"
            )
        raw = [value[k] for k in _BOX_KEYS]
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)) and len(value) == 4:
        raw = list(value)
    else:
        raise ValueError(
            f"{who}: box must be a mapping with Left/Top/Width/Height or a "
            f"(left, top, width, height) tuple of ratios, not {value!r}"
        )
    left, top, width, height = (_number(v, f"{who}: box {k}") for v, k in zip(raw, _BOX_KEYS))
    eps = 1e-9
    if width <= 0 or height <= 0:
        raise ValueError(f"{who}: box Width and Height must be > 0, got {width} x {height}")
    if left < -eps or top < -eps or left + width > 1 + eps or top + height > 1 + eps:
        raise ValueError(
            f"{who}: box (Left={left}, Top={top}, Width={width}, Height={height}) lies outside "
            "the image; ratios need 0 <= Left, 0 <= Top, Left + Width <= 1, Top + Height <= 1"
        )
    return (max(left, 0.0), max(top, 0.0), width, height)


def _parse_face(i: int, face: Any) -> _Spec:
    rest: Mapping[str, Any]
    if isinstance(face, str):
        identity, rest = face, {}
    elif isinstance(face, Mapping):
        unknown = sorted(set(map(str, face)) - set(_FACE_KEYS))
        if unknown:
            raise ValueError(
                f"face {i}: unknown key(s) {unknown}; allowed: {', '.join(_FACE_KEYS)}"
            )
        if "identity" not in face:
            raise ValueError(f"face {i}: a face mapping needs an 'identity' string")
        identity, rest = face["identity"], face
    else:
        raise TypeError(f"face {i}: expected an identity string or a mapping, not {face!r}")
    if not isinstance(identity, str) or not identity:
        raise ValueError(f"face {i}: identity must be a non-empty string, not {identity!r}")
    who = f"face {i} ({identity!r})"

    sim_code = SIM_UNPINNED
    similarity = rest.get("similarity")
    if similarity is not None:
        s = _number(similarity, f"{who}: similarity")
        if not 0.0 <= s <= 100.0:
            raise ValueError(f"{who}: similarity must be between 0 and 100, got {s}")
        sim_code = _round_half_up(s * 10.0)

    brightness, sharpness = (_round_half_up(q) for q in DEFAULT_QUALITY)
    quality = rest.get("quality")
    if quality is not None:
        if not isinstance(quality, Mapping):
            raise ValueError(
                f"{who}: quality must be a mapping like {{'Brightness': 80, 'Sharpness': 90}}"
            )
        unknown = sorted(set(map(str, quality)) - set(_QUALITY_KEYS))
        if unknown:
            raise ValueError(
                f"{who}: unknown quality key(s) {unknown}; allowed: Brightness, Sharpness"
            )
        values = []
        for key, default in zip(_QUALITY_KEYS, (brightness, sharpness)):
            if key not in quality:
                values.append(default)
                continue
            q = _number(quality[key], f"{who}: quality {key}")
            if not 0.0 <= q <= 100.0:
                raise ValueError(f"{who}: quality {key} must be between 0 and 100, got {q}")
            values.append(_round_half_up(q))
        brightness, sharpness = values

    box = rest.get("box")
    seed = identity_seed(identity)
    if not 0 <= seed < (1 << SEED_BITS):
        raise ValueError(f"{who}: identity_seed returned {seed}, not a 48-bit integer")
    return _Spec(
        identity=identity,
        seed=seed,
        sim_code=sim_code,
        brightness=brightness,
        sharpness=sharpness,
        box=None if box is None else _parse_box(box, who),
    )


def _default_sizes(n: int) -> list[int]:
    step = max(1, 64 // n) if n > 1 else 0
    return [DEFAULT_FACE_PX + step * (n - 1 - k) for k in range(n)]


def _natural_layout(n: int) -> tuple[list[tuple[float, float, float, float]], int, int]:
    """Pixel boxes (x0, y0, x1, y1) of the default layout and its (width, height)."""
    sizes = _default_sizes(n)
    boxes: list[tuple[float, float, float, float]] = []
    y = float(LAYOUT_GAP)
    width = 0
    for row_start in range(0, n, LAYOUT_PER_ROW):
        row = sizes[row_start : row_start + LAYOUT_PER_ROW]
        x = float(LAYOUT_GAP)
        for s in row:
            boxes.append((x, y, x + s, y + s))
            x += s + LAYOUT_GAP
        width = max(width, int(x))
        y += max(row) + LAYOUT_GAP
    return boxes, width, int(y)


def _check_size(size: Any) -> tuple[int, int]:
    if (
        not isinstance(size, Sequence)
        or len(size) != 2
        or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in size)
    ):
        raise ValueError(f"size must be a (width, height) pair of integers, not {size!r}")
    w, h = int(size[0]), int(size[1])
    if not (1 <= w <= MAX_IMAGE_SIDE and 1 <= h <= MAX_IMAGE_SIDE):
        raise ValueError(f"size must be between 1 and {MAX_IMAGE_SIDE} pixels a side, got {size}")
    return w, h


def _layout(
    specs: list[_Spec], size: tuple[int, int] | None
) -> tuple[list[tuple[int, int, int, int]], int, int]:
    """Integer pixel boxes (x0, y0, x1, y1) of every face, and the image (width, height)."""
    n = len(specs)
    with_box = [s.box is not None for s in specs]
    if n == 0:
        w, h = size if size is not None else (256, 256)
        return [], w, h
    if any(with_box) and not all(with_box):
        raise ValueError("give a 'box' for every face or for none (then they are laid out)")
    if all(with_box):
        ratio_boxes = [s.box for s in specs if s.box is not None]
        if size is None:
            w = math.ceil(DEFAULT_FACE_PX / min(b[2] for b in ratio_boxes) - 1e-9)
            h = math.ceil(DEFAULT_FACE_PX / min(b[3] for b in ratio_boxes) - 1e-9)
            if max(w, h) > MAX_IMAGE_SIDE:
                raise ValueError(
                    f"a box this small would need a {w}x{h} image to be {DEFAULT_FACE_PX} px; "
                    "pass size=(width, height)"
                )
        else:
            w, h = size
        px = [
            (
                _round_half_up(b[0] * w),
                _round_half_up(b[1] * h),
                _round_half_up((b[0] + b[2]) * w),
                _round_half_up((b[1] + b[3]) * h),
            )
            for b in ratio_boxes
        ]
        return px, w, h
    boxes, nat_w, nat_h = _natural_layout(n)
    if size is None:
        w, h, scale, ox, oy = nat_w, nat_h, 1.0, 0.0, 0.0
    else:
        w, h = size
        scale = min(w / nat_w, h / nat_h)
        ox, oy = (w - nat_w * scale) / 2, (h - nat_h * scale) / 2
    px = [
        (
            _round_half_up(ox + b[0] * scale),
            _round_half_up(oy + b[1] * scale),
            _round_half_up(ox + b[2] * scale),
            _round_half_up(oy + b[3] * scale),
        )
        for b in boxes
    ]
    return px, w, h


def _edges(start: int, stop: int) -> list[int]:
    """Pixel edges of: ring outer, then the GRID + 1 cell edges, then ring outer (one axis)."""
    u = (stop - start) / SPAN
    marks = [MARGIN] + [MARGIN + RING + j for j in range(GRID + 1)] + [SPAN - MARGIN]
    return [_round_half_up(start + m * u) for m in marks]


def _draw(img: U8, box: tuple[int, int, int, int], bits: BoolArray) -> None:
    x0, y0, x1, y1 = box
    ex, ey = _edges(x0, x1), _edges(y0, y1)
    img[y0:y1, x0:x1] = MARGIN_COLOR
    img[ey[0] : ey[-1], ex[0] : ex[-1]] = FINDER
    palette = np.array([LIGHT, DARK], dtype=np.uint8)
    cells = palette[bits.astype(np.intp)]  # (GRID, GRID, 3)
    cells = np.repeat(cells, np.diff(ey[1:-1]), axis=0)
    cells = np.repeat(cells, np.diff(ex[1:-1]), axis=1)
    img[ey[1] : ey[-2], ex[1] : ex[-2]] = cells


def face_image(
    *faces: str | Mapping[str, Any],
    size: tuple[int, int] | None = None,
    format: str = "PNG",
) -> bytes:
    """An image (PNG or JPEG bytes) showing ``faces``, each drawn as a readable code.

    Each face is an identity string or a mapping::

        {"identity": "alice",                       # required
         "similarity": 87.5,                        # pin the match score (0..100, 0.1 steps)
         "box": {"Left": .1, "Top": .1, "Width": .3, "Height": .4},   # or (l, t, w, h)
         "quality": {"Brightness": 80, "Sharpness": 60}}              # 0..100, 1.0 steps

    Without boxes the faces are laid out left to right (rows of 10), the first the largest;
    see the module docstring for the exact layout. ``size`` is (width, height) in pixels;
    by default just big enough (every face >= 128 px). ``format`` is ``"PNG"`` (pure
    Python) or ``"JPEG"`` (quality 95; needs Pillow). No faces gives a plain 256 x 256
    background image.

    Raises ValueError for bad input: more than 100 faces, a box outside the image,
    overlapping boxes, a box smaller than ``MIN_FACE_PX`` (48) px a side, a similarity or
    quality outside 0..100, unknown keys. Raises TypeError for a face that is neither a
    string nor a mapping, and ImportError (naming ``pip install Pillow``) for JPEG without
    Pillow.
    """
    fmt = str(format).upper()
    if fmt == "JPG":
        fmt = "JPEG"
    if fmt not in ("PNG", "JPEG"):
        raise ValueError(f"format must be 'PNG' or 'JPEG', not {format!r}")
    if len(faces) > MAX_FACES:
        raise ValueError(f"an image can show at most {MAX_FACES} faces, got {len(faces)}")
    checked_size = None if size is None else _check_size(size)
    specs = [_parse_face(i, f) for i, f in enumerate(faces)]
    boxes, width, height = _layout(specs, checked_size)

    for i, ((x0, y0, x1, y1), spec) in enumerate(zip(boxes, specs)):
        if x1 - x0 < MIN_FACE_PX or y1 - y0 < MIN_FACE_PX:
            raise ValueError(
                f"face {i} ({spec.identity!r}) is {x1 - x0}x{y1 - y0} px in a {width}x{height} "
                f"image: too small to carry its code; a face box needs at least "
                f"{MIN_FACE_PX}x{MIN_FACE_PX} px ({2 * MIN_FACE_PX}x{2 * MIN_FACE_PX} px or "
                "more to survive JPEG re-encoding, cropping and resizing)"
            )
    for i in range(len(boxes)):
        for j in range(i):
            a, b = boxes[i], boxes[j]
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                raise ValueError(
                    f"face {j} ({specs[j].identity!r}) and face {i} ({specs[i].identity!r}) "
                    "have overlapping boxes"
                )

    img = np.full((height, width, 3), BACKGROUND[0], dtype=np.uint8)  # a neutral gray
    for index, (box, spec) in enumerate(zip(boxes, specs)):
        _draw(img, box, _encode_bits(spec, index))
    if fmt == "PNG":
        return encode_png(img)
    try:
        return encode_jpeg(img, quality=95)
    except PillowMissing:
        raise PillowMissing(
            f"face_image(format='JPEG') needs Pillow: {PILLOW_HINT} (or use format='PNG')"
        ) from None


# ==========================================================================================
# Reading
# ==========================================================================================


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
