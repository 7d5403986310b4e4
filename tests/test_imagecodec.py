"""rekostub._imagecodec: faces drawn as codes in the pixels, read back after the usual abuse."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import sys
import zlib
from typing import Any, Callable

import numpy as np
import pytest

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

import rekostub._embedding as embedding  # noqa: E402
import rekostub._imagecodec as ic  # noqa: E402
import rekostub._png as png  # noqa: E402
from rekostub._imagecodec import (  # noqa: E402
    ImageDecodeError,
    ImageFace,
    face_image,
    image_format,
    read_faces,
)

Resampling = Image.Resampling


def sha_seed(identity: str) -> int:
    """The documented identity seed: first 6 bytes of sha256(identity), big-endian."""
    return int.from_bytes(hashlib.sha256(identity.encode("utf-8")).digest()[:6], "big")


@pytest.fixture(autouse=True)
def _identity_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use the real identity_seed once it exists; until then the documented formula."""
    try:
        embedding.identity_seed("probe")
    except NotImplementedError:
        monkeypatch.setattr(ic, "identity_seed", sha_seed)


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------


def save(img: Any, fmt: str = "PNG", **kwargs: Any) -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt, **kwargs)
    return out.getvalue()


def load(data: bytes) -> Any:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def aws_crop(img: Any, box: tuple[float, float, float, float], delta: int = 0) -> Any:
    """Crop like aws-samples/rekognition-user-vectors detect_users.py (plus a +-px error)."""
    width, height = img.size
    left, top, w, h = box
    return img.crop(
        (
            left * width + delta,
            top * height + delta,
            (left + w) * width - delta,
            (top + h) * height - delta,
        )
    )


def box_error(
    got: tuple[float, float, float, float], want: tuple[float, float, float, float]
) -> float:
    """Largest difference of the four edges, in ratios of the image."""
    return max(
        abs(got[0] - want[0]),
        abs(got[1] - want[1]),
        abs(got[0] + got[2] - want[0] - want[2]),
        abs(got[1] + got[3] - want[1] - want[3]),
    )


# Three faces at awkward pixel positions in a 560 x 360 image; face 0 is the 96 x 96 minimum.
SIZE = (560, 360)
PIXEL_BOXES = [(37, 41, 96, 96), (201, 23, 96, 131), (355, 150, 163, 104)]
BOXES = [(x / SIZE[0], y / SIZE[1], w / SIZE[0], h / SIZE[1]) for x, y, w, h in PIXEL_BOXES]
FACES: list[dict[str, Any]] = [
    {"identity": "alice", "box": BOXES[0]},
    {"identity": "bob", "box": BOXES[1], "similarity": 42.4},
    {
        "identity": "carol",
        "box": dict(zip(("Left", "Top", "Width", "Height"), BOXES[2])),
        "quality": {"Brightness": 12.4, "Sharpness": 77.5},
    },
]
EXPECTED = [
    ImageFace(sha_seed("alice"), None, BOXES[0], ic.DEFAULT_QUALITY),
    ImageFace(sha_seed("bob"), 42.4, BOXES[1], ic.DEFAULT_QUALITY),
    ImageFace(sha_seed("carol"), None, BOXES[2], (12.0, 78.0)),
]


@pytest.fixture(scope="module")
def group_png() -> bytes:
    with pytest.MonkeyPatch.context() as mp:
        try:
            embedding.identity_seed("probe")
        except NotImplementedError:
            mp.setattr(ic, "identity_seed", sha_seed)
        return face_image(*FACES, size=SIZE)


@pytest.fixture(scope="module")
def group_img(group_png: bytes) -> Any:
    return load(group_png).convert("RGB")


def assert_same_face(got: ImageFace, want: ImageFace) -> None:
    assert got.seed == want.seed
    assert got.similarity == want.similarity
    assert got.quality == want.quality


# ------------------------------------------------------------------------------------------
# image_format, Pillow compatibility, basics
# ------------------------------------------------------------------------------------------


def test_identity_seed_is_the_documented_formula() -> None:
    face = read_faces(face_image("alice"))[0]
    assert face.seed == sha_seed("alice")
    assert 0 <= face.seed < 2**48


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "PNG"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 20, "JPEG"),
        (b"\xff\xd8\xff", "JPEG"),
        (b"GIF89a....", None),
        (b"BM" + b"\0" * 30, None),
        (b"", None),
        (b"\x89PNG", None),
        (b"hello world", None),
    ],
)
def test_image_format(data: bytes, expected: str | None) -> None:
    assert image_format(data) == expected


def test_image_format_of_real_images(group_png: bytes, group_img: Any) -> None:
    assert image_format(group_png) == "PNG"
    assert image_format(save(group_img, "JPEG")) == "JPEG"
    assert image_format(save(group_img, "GIF")) is None


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "png", "jpg"])
def test_face_image_opens_in_pillow(fmt: str) -> None:
    data = face_image("alice", "bob", format=fmt)
    with Image.open(io.BytesIO(data)) as img:
        img.verify()
    img = load(data)
    assert img.format == ("PNG" if fmt.upper() == "PNG" else "JPEG")
    assert img.mode == "RGB"
    assert [f.seed for f in read_faces(data)] == [sha_seed("alice"), sha_seed("bob")]


def test_single_face_defaults() -> None:
    data = face_image("alice")
    img = load(data)
    assert img.size == (160, 160)  # 128 px face, 16 px padding
    (face,) = read_faces(data)
    assert face == ImageFace(
        seed=sha_seed("alice"),
        similarity=None,
        box=(16 / 160, 16 / 160, 128 / 160, 128 / 160),
        quality=ic.DEFAULT_QUALITY,
    )


def test_default_layout_three_faces_largest_first() -> None:
    data = face_image("alice", "bob", "carol")
    img = load(data)
    # Documented layout: 170, 149 and 128 px squares, 16 px apart, top-aligned.
    assert img.size == (16 + 170 + 16 + 149 + 16 + 128 + 16, 16 + 170 + 16)
    width, height = img.size
    faces = read_faces(data)
    assert [f.seed for f in faces] == [sha_seed(n) for n in ("alice", "bob", "carol")]
    want = [(16, 170), (16 + 170 + 16, 149), (16 + 170 + 16 + 149 + 16, 128)]
    for face, (x, s) in zip(faces, want):
        assert box_error(face.box, (x / width, 16 / height, s / width, s / height)) < 0.005
    areas = [f.box[2] * f.box[3] for f in faces]
    assert areas == sorted(areas, reverse=True)
    assert len(set(areas)) == 3
    # The same after JPEG: order and "largest" survive.
    jpeg_faces = read_faces(save(img, "JPEG", quality=75))
    assert [f.seed for f in jpeg_faces] == [f.seed for f in faces]
    jpeg_areas = [f.box[2] * f.box[3] for f in jpeg_faces]
    assert jpeg_areas == sorted(jpeg_areas, reverse=True)


def test_default_layout_wraps_rows_and_keeps_order() -> None:
    names = [f"person-{i}" for i in range(23)]
    data = face_image(*names)
    faces = read_faces(data)
    assert [f.seed for f in faces] == [sha_seed(n) for n in names]
    areas = [f.box[2] * f.box[3] for f in faces]
    assert all(a > b for a, b in zip(areas, areas[1:]))
    tops = sorted({round(f.box[1], 3) for f in faces})
    assert len(tops) == 3  # rows of 10, 10 and 3


def test_default_layout_scaled_to_size() -> None:
    data = face_image("alice", "bob", size=(1024, 768))
    assert load(data).size == (1024, 768)
    faces = read_faces(data)
    assert [f.seed for f in faces] == [sha_seed("alice"), sha_seed("bob")]
    assert faces[0].box[2] * 1024 > 400  # the layout was scaled up to fill the width


def test_no_faces_gives_a_plain_image() -> None:
    data = face_image()
    assert load(data).size == (256, 256)
    assert read_faces(data) == []
    assert read_faces(face_image(size=(64, 32))) == []


def test_hundred_faces() -> None:
    names = [f"p{i}" for i in range(100)]
    faces = read_faces(face_image(*names))
    assert [f.seed for f in faces] == [sha_seed(n) for n in names]


def test_deterministic(group_png: bytes) -> None:
    assert face_image(*FACES, size=SIZE) == group_png
    assert read_faces(group_png) == read_faces(group_png)


def test_touching_boxes_are_separate_faces() -> None:
    data = face_image(
        {"identity": "left", "box": (0.0, 0.0, 0.5, 1.0)},
        {"identity": "right", "box": (0.5, 0.0, 0.5, 1.0)},
        size=(200, 100),
    )
    faces = read_faces(data)
    assert [f.seed for f in faces] == [sha_seed("left"), sha_seed("right")]
    assert box_error(faces[0].box, (0.0, 0.0, 0.5, 1.0)) <= 0.01
    assert box_error(faces[1].box, (0.5, 0.0, 0.5, 1.0)) <= 0.01


def test_explicit_boxes_default_size() -> None:
    data = face_image({"identity": "a", "box": (0.1, 0.2, 0.25, 0.5)})
    img = load(data)
    assert img.size == (512, 256)  # the box is 128 x 128 px
    (face,) = read_faces(data)
    assert box_error(face.box, (0.1, 0.2, 0.25, 0.5)) <= 0.01


def test_box_touching_the_image_edges() -> None:
    data = face_image({"identity": "a", "box": (0, 0, 1, 1)}, size=(100, 100))
    (face,) = read_faces(data)
    assert face.box == pytest.approx((0.0, 0.0, 1.0, 1.0), abs=0.01)


def test_minimum_face_size_png_round_trip() -> None:
    m = ic.MIN_FACE_PX
    data = face_image(
        {"identity": "tiny", "box": (10 / 300, 7 / 200, m / 300, m / 200)}, size=(300, 200)
    )
    (face,) = read_faces(data)
    assert face.seed == sha_seed("tiny")
    assert box_error(face.box, (10 / 300, 7 / 200, m / 300, m / 200)) <= 0.01
    (face,) = read_faces(save(load(data), "JPEG", quality=95))
    assert face.seed == sha_seed("tiny")


# ------------------------------------------------------------------------------------------
# pinned similarity and quality
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("similarity", "expected"),
    [(None, None), (0, 0.0), (0.1, 0.1), (12.34, 12.3), (87.66, 87.7), (99.9, 99.9), (100, 100.0)],
)
def test_similarity_round_trip(similarity: float | None, expected: float | None) -> None:
    data = face_image({"identity": "s", "similarity": similarity})
    for variant in (data, save(load(data), "JPEG", quality=75)):
        (face,) = read_faces(variant)
        assert face.similarity == expected


@pytest.mark.parametrize(
    ("quality", "expected"),
    [
        (None, ic.DEFAULT_QUALITY),
        ({}, ic.DEFAULT_QUALITY),
        ({"Brightness": 0, "Sharpness": 100}, (0.0, 100.0)),
        ({"Brightness": 100, "Sharpness": 0}, (100.0, 0.0)),
        ({"Brightness": 33.4, "Sharpness": 66.6}, (33.0, 67.0)),
        ({"Sharpness": 5}, (ic.DEFAULT_QUALITY[0], 5.0)),
    ],
)
def test_quality_round_trip(
    quality: dict[str, float] | None, expected: tuple[float, float]
) -> None:
    face_spec: dict[str, Any] = {"identity": "q"}
    if quality is not None:
        face_spec["quality"] = quality
    (face,) = read_faces(face_image(face_spec))
    assert face.quality == expected


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
# bad input
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("faces", "kwargs", "message"),
    [
        (
            [
                {"identity": "a", "box": (0, 0, 0.6, 0.6)},
                {"identity": "b", "box": (0.5, 0.5, 0.5, 0.5)},
            ],
            {"size": (400, 400)},
            "overlapping boxes",
        ),
        ([{"identity": "a", "box": (0.6, 0.1, 0.5, 0.5)}], {}, "lies outside the image"),
        ([{"identity": "a", "box": (-0.1, 0.1, 0.5, 0.5)}], {}, "lies outside the image"),
        ([{"identity": "a", "box": (0.1, 0.1, 0, 0.5)}], {}, "must be > 0"),
        (
            [{"identity": "a", "box": (0.1, 0.1, 0.1, 0.1)}],
            {"size": (300, 300)},
            "at least 48x48 px",
        ),
        (["a", "b"], {"size": (100, 60)}, "too small to carry its code"),
        ([{"identity": "a", "box": {"Left": 0, "Top": 0, "Width": 1}}], {}, "box needs exactly"),
        ([{"identity": "a", "box": "everywhere"}], {}, "box must be"),
        ([{"identity": "a", "similarity": 100.5}], {}, "similarity must be between 0 and 100"),
        ([{"identity": "a", "similarity": -1}], {}, "similarity must be between 0 and 100"),
        ([{"identity": "a", "similarity": float("nan")}], {}, "similarity must be finite"),
        ([{"identity": "a", "similarity": "high"}], {}, "similarity must be a number"),
        ([{"identity": "a", "similarity": True}], {}, "similarity must be a number"),
        ([{"identity": "a", "quality": {"Brightness": 101}}], {}, "Brightness must be between"),
        ([{"identity": "a", "quality": {"Sharp": 1}}], {}, "unknown quality key"),
        ([{"identity": "a", "quality": 50}], {}, "quality must be a mapping"),
        ([{"identity": "a", "Similarity": 50}], {}, "unknown key(s) ['Similarity']"),
        ([{"similarity": 50}], {}, "needs an 'identity'"),
        ([""], {}, "non-empty string"),
        ([{"identity": "a", "box": (0, 0, 0.5, 0.5)}, "b"], {}, "for every face or for none"),
        ([f"p{i}" for i in range(101)], {}, "at most 100 faces, got 101"),
        (["a"], {"format": "GIF"}, "format must be 'PNG' or 'JPEG'"),
        (["a"], {"size": (0, 10)}, "size must be between 1 and"),
        (["a"], {"size": (10.5, 10)}, "size must be a (width, height) pair"),
        ([{"identity": "a", "box": (0, 0, 0.001, 0.5)}], {}, "pass size="),
    ],
)
def test_bad_input(faces: list[Any], kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        face_image(*faces, **kwargs)


def test_bad_face_type() -> None:
    with pytest.raises(TypeError, match="identity string or a mapping"):
        face_image(42)  # type: ignore[arg-type]


def test_too_small_message_names_the_minimum() -> None:
    with pytest.raises(ValueError, match=r"face 0 \('a'\) is 30x30 px") as info:
        face_image({"identity": "a", "box": (0, 0, 0.3, 0.3)}, size=(100, 100))
    assert f"{ic.MIN_FACE_PX}x{ic.MIN_FACE_PX}" in str(info.value)


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
