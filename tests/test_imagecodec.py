"""rekostub._images.codec: faces drawn as codes in the pixels and read back -- image_format,
Pillow compatibility, the default layout, pinned similarity and quality, bad input.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

PIL = pytest.importorskip("PIL")
from imagecodec_support import (  # noqa: E402
    FACES,
    SIZE,
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
from rekostub._images.codec import (  # noqa: E402
    ImageFace,
    face_image,
    image_format,
    read_faces,
)

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
