"""rekostub._images.codec: faces read back after the usual abuse -- JPEG, grayscale, palettes,
crops of the box, resizing -- no false faces in ordinary photos, undecodable bytes.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

import numpy as np
import pytest

PIL = pytest.importorskip("PIL")
from imagecodec_support import (  # noqa: E402
    BOXES,
    EXPECTED,
    PIXEL_BOXES,
    SIZE,
    assert_same_face,
    aws_crop,
    box_error,
    load,
    save,
    sha_seed,
)
from imagecodec_support import _identity_seed as _identity_seed  # noqa: E402  (fixture)
from imagecodec_support import group_img_fixture as group_img_fixture  # noqa: E402  (fixture)
from imagecodec_support import group_png_fixture as group_png_fixture  # noqa: E402  (fixture)
from PIL import Image  # noqa: E402

import rekostub._images.codec as ic  # noqa: E402
import rekostub._images.png as png  # noqa: E402
from rekostub._images.codec import (  # noqa: E402
    ImageDecodeError,
    face_image,
    read_faces,
)

Resampling = Image.Resampling


# ------------------------------------------------------------------------------------------
# robustness: the whole image
# ------------------------------------------------------------------------------------------

WHOLE: dict[str, tuple[Callable[[Any], bytes], float]] = {
    "png": (lambda im: save(im), 0.01),
    "pillow-png-optimized": (lambda im: save(im, optimize=True), 0.01),
    "jpeg75": (lambda im: save(im, "JPEG", quality=75), 0.02),
    "jpeg85": (lambda im: save(im, "JPEG", quality=85), 0.02),
    "jpeg95": (lambda im: save(im, "JPEG", quality=95), 0.02),
    "jpeg75-default-quality": (lambda im: save(im, "JPEG"), 0.02),
    "rgba-png": (lambda im: save(im.convert("RGBA")), 0.01),
    "gray-png": (lambda im: save(im.convert("L")), 0.01),
    "gray-jpeg75": (lambda im: save(im.convert("L"), "JPEG", quality=75), 0.02),
    "gray-as-rgb-jpeg75": (lambda im: save(im.convert("L").convert("RGB"), "JPEG"), 0.02),
    "la-png": (lambda im: save(im.convert("LA")), 0.01),
    "palette-png": (lambda im: save(im.convert("P", palette=Image.Palette.ADAPTIVE)), 0.01),
    "palette-web-png": (lambda im: save(im.convert("P")), 0.01),
    "cmyk-jpeg": (lambda im: save(im.convert("CMYK"), "JPEG", quality=90), 0.02),
}


@pytest.mark.parametrize("case", sorted(WHOLE))
def test_whole_image_survives(case: str, group_img: Any) -> None:
    encode, tolerance = WHOLE[case]
    faces = read_faces(encode(group_img))
    assert len(faces) == 3
    for got, want in zip(faces, EXPECTED):
        assert_same_face(got, want)
        assert box_error(got.box, want.box) <= tolerance, (got.box, want.box)


def test_read_faces_own_png_is_exact(group_png: bytes) -> None:
    faces = read_faces(group_png)
    for got, want in zip(faces, EXPECTED):
        assert_same_face(got, want)
        assert box_error(got.box, want.box) <= 1.0 / SIZE[0]


# ------------------------------------------------------------------------------------------
# robustness: DetectFaces -> crop the box -> SearchUsersByImage
# ------------------------------------------------------------------------------------------


def _resized(factor: float, resample: Any, quality: int = 75) -> Callable[[Any], bytes]:
    def run(crop: Any) -> bytes:
        size = (round(crop.width * factor), round(crop.height * factor))
        return save(crop.resize(size, resample), "JPEG", quality=quality)

    return run


CROPS: dict[str, Callable[[Any], bytes]] = {
    "jpeg75": lambda c: save(c, "JPEG", quality=75),
    "jpeg-default": lambda c: save(c, "JPEG"),
    "jpeg85": lambda c: save(c, "JPEG", quality=85),
    "jpeg95": lambda c: save(c, "JPEG", quality=95),
    "png": lambda c: save(c, "PNG"),
    "gray-jpeg75": lambda c: save(c.convert("L"), "JPEG", quality=75),
    "gray-png": lambda c: save(c.convert("L"), "PNG"),
    "rgba-png": lambda c: save(c.convert("RGBA"), "PNG"),
}
for _factor in (0.8, 0.9, 1.1, 1.25):
    for _name in ("NEAREST", "BILINEAR", "BICUBIC", "LANCZOS", "BOX", "HAMMING"):
        CROPS[f"resize{_factor}-{_name}-jpeg75"] = _resized(_factor, getattr(Resampling, _name))
CROPS["resize0.8-BILINEAR-gray-jpeg75"] = lambda c: save(
    c.resize((round(c.width * 0.8), round(c.height * 0.8)), Resampling.BILINEAR).convert("L"),
    "JPEG",
)


@pytest.mark.parametrize("case", sorted(CROPS))
@pytest.mark.parametrize("which", [0, 1, 2])
def test_crop_of_the_box_survives(case: str, which: int, group_img: Any) -> None:
    data = CROPS[case](aws_crop(group_img, BOXES[which]))
    faces = read_faces(data)
    assert len(faces) == 1
    assert_same_face(faces[0], EXPECTED[which])
    assert box_error(faces[0].box, (0.0, 0.0, 1.0, 1.0)) <= 0.03


@pytest.mark.parametrize("delta", [-2, -1, 1, 2])
@pytest.mark.parametrize("which", [0, 1, 2])
def test_crop_a_pixel_or_two_off_survives(delta: int, which: int, group_img: Any) -> None:
    crop = aws_crop(group_img, BOXES[which], delta)
    for data in (save(crop, "JPEG"), _resized(0.8, Resampling.BILINEAR)(crop)):
        (face,) = read_faces(data)
        assert_same_face(face, EXPECTED[which])


@pytest.mark.parametrize("source", ["png", "jpeg75", "gray-jpeg75"])
def test_detect_then_crop_pipeline(source: str, group_img: Any) -> None:
    """Crop the boxes read_faces reports (as DetectFaces would) and search with each crop."""
    encode, _ = WHOLE[source]
    reported = read_faces(encode(group_img))
    assert len(reported) == 3
    photo = load(encode(group_img))
    for face, want in zip(reported, EXPECTED):
        crop = aws_crop(photo, face.box)
        for data in (save(crop, "JPEG"), _resized(1.25, Resampling.LANCZOS)(crop)):
            (found,) = read_faces(data)
            assert_same_face(found, want)


def test_cropped_face_inside_a_larger_crop(group_img: Any) -> None:
    """A crop bigger than the box (with neighbours partly cut) still finds the whole face."""
    x, y, w, h = PIXEL_BOXES[1]
    crop = group_img.crop((x - 60, y - 10, x + w + 40, y + h + 30))
    faces = read_faces(save(crop, "JPEG"))
    assert [f.seed for f in faces] == [sha_seed("bob")]
    expected_box = (60 / crop.width, 10 / crop.height, w / crop.width, h / crop.height)
    assert box_error(faces[0].box, expected_box) <= 0.02


# ------------------------------------------------------------------------------------------
# no false faces
# ------------------------------------------------------------------------------------------


def _photo(seed: int, size: tuple[int, int] = (640, 480)) -> Any:
    rng = np.random.default_rng(seed)
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    base = np.stack(
        [xx / width * 255, yy / height * 255, (xx + yy) / (width + height) * 255], axis=-1
    )
    blobs = np.zeros_like(base)
    for _ in range(12):
        cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(20, 120)
        color = rng.uniform(0, 255, 3)
        inside = (xx - cx) ** 2 + (yy - cy) ** 2 < r * r
        blobs[inside] = color
    pixels = np.where(blobs > 0, blobs, base) + rng.normal(0, 12, base.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("variant", ["png", "jpeg", "gray-png", "gray-jpeg"])
def test_ordinary_photo_has_no_faces(seed: int, variant: str) -> None:
    img = _photo(seed)
    if variant.startswith("gray"):
        img = img.convert("L")
    data = save(img, "JPEG" if variant.endswith("jpeg") else "PNG")
    assert read_faces(data) == []


def test_flat_and_tiny_images_have_no_faces() -> None:
    cases: list[tuple[str, tuple[int, int], Any]] = [
        ("RGB", (1, 1), (0, 0, 0)),
        ("RGB", (3, 2), (232, 56, 216)),
        ("RGB", (300, 200), (232, 56, 216)),
        ("L", (300, 200), 127),
        ("L", (50, 50), 0),
    ]
    for mode, size, color in cases:
        img = Image.new(mode, size, color)
        assert read_faces(save(img)) == []
        assert read_faces(save(img, "JPEG")) == []


def test_an_empty_finder_frame_is_not_a_face() -> None:
    img = Image.new("RGB", (200, 200), ic.BACKGROUND)
    img.paste(ic.FINDER, (20, 20, 180, 180))
    img.paste((255, 255, 255), (33, 33, 167, 167))
    assert read_faces(save(img)) == []


def _flip_cell(img: Any, box_px: tuple[int, int, int, int], row: int, col: int) -> Any:
    x, y, w, h = box_px
    ux, uy = w / 13, h / 13
    cx = x + (1.5 + col + 0.5) * ux
    cy = y + (1.5 + row + 0.5) * uy
    pixels = np.array(img)
    patch = pixels[round(cy - uy / 2) : round(cy + uy / 2), round(cx - ux / 2) : round(cx + ux / 2)]
    patch[...] = 255 - patch  # black <-> white
    return Image.fromarray(pixels)


@pytest.mark.parametrize(("row", "col"), [(0, 0), (4, 7), (9, 9)])
def test_corrupted_code_gives_no_face(row: int, col: int, group_img: Any) -> None:
    broken = _flip_cell(group_img, PIXEL_BOXES[1], row, col)
    faces = read_faces(save(broken))
    assert [f.seed for f in faces] == [sha_seed("alice"), sha_seed("carol")]
    crop = aws_crop(broken, BOXES[1])
    assert read_faces(save(crop, "JPEG")) == []


# ------------------------------------------------------------------------------------------
# decoding errors, Pillow missing
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image",
        b"GIF89a" + b"\0" * 40,
        png.PNG_SIGNATURE,
        png.PNG_SIGNATURE + b"\0\0\0\rIHDR",
        b"\xff\xd8\xff\xe0garbage",
    ],
)
def test_undecodable_bytes_raise(data: bytes) -> None:
    with pytest.raises(ImageDecodeError):
        read_faces(data)


def test_truncated_and_corrupt_png_raise(group_png: bytes) -> None:
    with pytest.raises(ImageDecodeError):
        read_faces(group_png[: len(group_png) // 2])
    corrupt = bytearray(group_png)
    idat = group_png.index(b"IDAT")
    corrupt[idat + 10] ^= 0xFF
    with pytest.raises(ImageDecodeError, match="bad CRC"):
        read_faces(bytes(corrupt))


def test_jpeg_without_pillow(monkeypatch: pytest.MonkeyPatch, group_img: Any) -> None:
    jpeg = save(group_img, "JPEG")
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImageDecodeError, match=r"^JPEG images need Pillow: pip install Pillow$"):
        read_faces(jpeg)
    with pytest.raises(ImportError, match="pip install Pillow"):
        face_image("alice", format="JPEG")
    # PNG needs no Pillow.
    assert [f.seed for f in read_faces(face_image("alice"))] == [sha_seed("alice")]
