"""JPEG through Pillow, imported lazily: Pillow is an optional dependency of rekostub."""

from __future__ import annotations

import io
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt

from rekostub._images.bounded import read_step

__all__ = ["JPEGError", "PillowMissing", "decode_jpeg", "encode_jpeg"]

PILLOW_HINT = "pip install Pillow"


class PillowMissing(ImportError):
    """Pillow is not importable."""


class JPEGError(Exception):
    """Pillow could not decode the bytes."""


def _pil() -> Any:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - exercised by monkeypatching in tests
        raise PillowMissing(f"JPEG images need Pillow: {PILLOW_HINT}") from None
    return Image


def decode_jpeg(data: bytes, step: int = 1) -> npt.NDArray[np.uint8]:
    """(H, W) gray or (H, W, 3) RGB uint8 pixels of a JPEG; with ``step`` > 1, every
    ``step``-th row and column (decoded at 1/2, 1/4 or 1/8 scale by libjpeg where that is
    enough, so memory and time follow the reduced size)."""
    image_mod = _pil()
    try:
        with warnings.catch_warnings():
            # The caller bounds the size (rekostub._images.bounded.MAX_DIMENSION) before this.
            warnings.simplefilter("ignore", image_mod.DecompressionBombWarning)
            img = image_mod.open(io.BytesIO(data))
        with img:
            width, height = img.size
            if step > 1:
                mode = "L" if img.mode in ("L", "1", "I;16", "I", "F") else "RGB"
                img.draft(mode, (-(-width // step), -(-height // step)))
                # draft picks the smallest DCT scale at least that large; stepping does the rest.
                step = read_step(*img.size)
            img.load()
            if img.mode in ("L", "1", "I;16", "I", "F"):
                img = img.convert("L")
            elif img.mode != "RGB":
                img = img.convert("RGB")
            pixels: npt.NDArray[np.uint8] = np.asarray(img, dtype=np.uint8)
            stepped: npt.NDArray[np.uint8] = pixels[::step, ::step].copy()
            return stepped
    except Exception as exc:
        raise JPEGError(f"cannot decode JPEG image: {exc}") from None


def encode_jpeg(rgb: npt.NDArray[np.uint8], quality: int = 95) -> bytes:
    """A baseline JPEG of the (H, W, 3) uint8 array ``rgb``."""
    image_mod = _pil()
    out = io.BytesIO()
    image_mod.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8)).save(
        out, format="JPEG", quality=quality
    )
    return out.getvalue()
