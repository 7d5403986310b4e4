"""Writing: :func:`face_image` checks its faces (identity, pinned similarity, quality, box),
lays them out (the default rows of squares, or the given ratio boxes as integer pixel boxes),
draws each face's code into its box and encodes the image as PNG or JPEG.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rekostub._engine.embedding import identity_seed
from rekostub._images.code import (
    BACKGROUND,
    DARK,
    DEFAULT_FACE_PX,
    DEFAULT_QUALITY,
    FINDER,
    LAYOUT_GAP,
    LAYOUT_PER_ROW,
    LIGHT,
    MARGIN_COLOR,
    MAX_FACES,
    MAX_IMAGE_SIDE,
    MIN_FACE_PX,
    SEED_BITS,
    SIM_UNPINNED,
    U8,
    BoolArray,
    _edges,
    _encode_bits,
    _round_half_up,
    _Spec,
)
from rekostub._images.jpeg import PILLOW_HINT, PillowMissing, encode_jpeg
from rekostub._images.png import encode_png

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
    see the :mod:`rekostub._images.codec` docstring for the exact layout. ``size`` is
    (width, height) in pixels; by default just big enough (every face >= 128 px). ``format``
    is ``"PNG"`` (pure Python) or ``"JPEG"`` (quality 95; needs Pillow). No faces gives a
    plain 256 x 256 background image.

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
