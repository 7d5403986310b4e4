"""rekostub._images.codec: the pure zlib + numpy PNG reader and writer it uses."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import numpy as np
import pytest

PIL = pytest.importorskip("PIL")
from imagecodec_support import EXPECTED, load, save  # noqa: E402
from imagecodec_support import _identity_seed as _identity_seed  # noqa: E402  (fixture)
from imagecodec_support import group_img_fixture as group_img_fixture  # noqa: E402  (fixture)
from imagecodec_support import group_png_fixture as group_png_fixture  # noqa: E402  (fixture)
from PIL import Image  # noqa: E402

import rekostub._images.png as png  # noqa: E402
from rekostub._images.codec import read_faces  # noqa: E402

# ------------------------------------------------------------------------------------------
# the PNG reader
# ------------------------------------------------------------------------------------------


def _noise(mode_bands: int, seed: int = 0, size: tuple[int, int] = (67, 45)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width]
    smooth = (xx * 3 + yy * 2) % 256
    noisy = rng.integers(0, 256, (height, width, mode_bands))
    pick = rng.random((height, width, 1)) < 0.5
    return np.where(pick, smooth[..., None], noisy).astype(np.uint8)


def _over_white(values: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    a = alpha.astype(np.float64) / 255.0
    if values.ndim == 3:
        a = a[..., None]
    return np.floor(values * a + 255.0 * (1.0 - a) + 0.5).astype(np.int16)


@pytest.mark.parametrize("optimize", [False, True])
@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "LA", "P", "P-transparent", "1", "I;16"])
def test_png_reader_matches_pillow(mode: str, optimize: bool) -> None:
    if mode == "RGB":
        img = Image.fromarray(_noise(3))
        expected = np.asarray(img)
    elif mode == "RGBA":
        img = Image.fromarray(_noise(4))
        rgba = np.asarray(img)
        expected = _over_white(rgba[..., :3], rgba[..., 3])
    elif mode == "L":
        img = Image.fromarray(_noise(1)[..., 0])
        expected = np.asarray(img)
    elif mode == "LA":
        img = Image.fromarray(_noise(4)).convert("LA")
        la = np.asarray(img)
        expected = _over_white(la[..., 0], la[..., 1])
    elif mode == "P":
        img = Image.fromarray(_noise(3)).convert("P", palette=Image.Palette.ADAPTIVE, colors=200)
        expected = np.asarray(img.convert("RGB"))
    elif mode == "P-transparent":
        img = Image.fromarray(_noise(3)).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
        img.info["transparency"] = 3
        rgba = np.asarray(img.convert("RGBA"))
        expected = _over_white(rgba[..., :3], rgba[..., 3])
    elif mode == "1":
        img = Image.fromarray(_noise(1)[..., 0]).convert("1")
        expected = np.asarray(img.convert("L"))
    else:
        wide = (_noise(1)[..., 0].astype(np.uint16) * 257) ^ np.uint16(0x5A)
        img = Image.fromarray(wide)
        assert img.mode == "I;16"
        expected = (wide >> 8).astype(np.uint8)
    data = save(img, "PNG", optimize=optimize)
    got = png.decode_png(data)
    assert got.shape == expected.shape
    assert np.abs(got.astype(np.int16) - expected.astype(np.int16)).max() <= 1


@pytest.mark.parametrize("bits", [1, 2, 4])
def test_png_reader_low_bit_palette(bits: int) -> None:
    img = Image.fromarray(_noise(3)).convert("P", palette=Image.Palette.ADAPTIVE, colors=2**bits)
    data = save(img, "PNG", bits=bits)
    assert data[24] == bits  # IHDR bit depth
    assert np.array_equal(png.decode_png(data), np.asarray(img.convert("RGB")))


def _chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(payload, zlib.crc32(kind)) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def _filter(rows: np.ndarray, bpp: int, kinds: list[int]) -> np.ndarray:
    """PNG-filter (h, stride) bytes with the filter types ``kinds`` (cycled)."""
    height, stride = rows.shape
    values = rows.astype(np.int32)
    out = np.zeros((height, stride + 1), dtype=np.uint8)
    for r in range(height):
        kind = kinds[r % len(kinds)]
        cur = values[r]
        prior = values[r - 1] if r else np.zeros(stride, dtype=np.int32)
        a = np.concatenate([np.zeros(bpp, dtype=np.int32), cur[:-bpp]])
        c = np.concatenate([np.zeros(bpp, dtype=np.int32), prior[:-bpp]])
        b = prior
        if kind == 0:
            pred = np.zeros_like(cur)
        elif kind == 1:
            pred = a
        elif kind == 2:
            pred = b
        elif kind == 3:
            pred = (a + b) >> 1
        else:
            p = a + b - c
            pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
            pred = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
        out[r, 0] = kind
        out[r, 1:] = (cur - pred) & 255
    return out


def _make_png(pixels: np.ndarray, kinds: list[int], interlace: bool = False) -> bytes:
    height, width, _ = pixels.shape
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 1 if interlace else 0)
    if not interlace:
        raw = _filter(pixels.reshape(height, width * 3), 3, kinds).tobytes()
    else:
        parts = []
        for x0, y0, dx, dy in png._ADAM7:
            sub = pixels[y0::dy, x0::dx]
            if sub.size:
                parts.append(_filter(sub.reshape(sub.shape[0], -1), 3, kinds).tobytes())
        raw = b"".join(parts)
    return (
        png.PNG_SIGNATURE
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"tEXt", b"Comment\0ancillary chunks are skipped")
        + _chunk(b"IDAT", zlib.compress(raw)[:10])
        + _chunk(b"IDAT", zlib.compress(raw)[10:])
        + _chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "kinds", [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4], [4, 4, 3, 2, 4, 1], [2] * 9 + [4]]
)
@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (9, 1), (13, 29), (40, 33)])
def test_png_reader_every_filter(kinds: list[int], shape: tuple[int, int]) -> None:
    pixels = _noise(3, seed=shape[0] * 100 + shape[1], size=(shape[1], shape[0]))
    assert np.array_equal(png.decode_png(_make_png(pixels, kinds)), pixels)
    filtered = _filter(pixels.reshape(shape[0], -1), 3, kinds)
    for undo in (png._unfilter_rows, png._unfilter_wavefront):
        out = undo(filtered[:, 0].copy(), filtered[:, 1:].copy(), 3)
        assert np.array_equal(out, pixels.reshape(shape[0], -1)), undo.__name__


@pytest.mark.parametrize("shape", [(1, 1), (5, 3), (8, 8), (17, 23)])
def test_png_reader_adam7(shape: tuple[int, int]) -> None:
    pixels = _noise(3, seed=7, size=(shape[1], shape[0]))
    assert np.array_equal(png.decode_png(_make_png(pixels, [0, 1, 4], interlace=True)), pixels)


def test_png_reader_reads_faces_from_pillow_written_pngs(group_img: Any) -> None:
    """Pillow picks Average/Paeth filters for busy rows: both unfilter paths see real data."""
    busy = np.array(group_img)
    noise = np.random.default_rng(3).integers(0, 256, busy.shape, dtype=np.uint8)
    busy[300:, :] = noise[300:, :]  # a noisy strip below the faces
    data = save(Image.fromarray(busy))
    faces = read_faces(data)
    assert [f.seed for f in faces] == [w.seed for w in EXPECTED]


def test_png_writer_round_trip() -> None:
    pixels = _noise(3, seed=11)
    data = png.encode_png(pixels)
    assert np.array_equal(np.asarray(load(data)), pixels)
    assert np.array_equal(png.decode_png(data), pixels)


# ------------------------------------------------------------------------------------------
# speed: the targets are read_faces < 50 ms and face_image < 20 ms at 1024 x 768 (best of 7)
