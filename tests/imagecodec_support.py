"""Shared by the rekostub._images.codec tests: the documented identity seed, saving/loading
and cropping with Pillow, box comparison, and a three-face group image (``group_png`` and
``group_img`` fixtures, imported into each test module under their ``*_fixture`` names).

Not a test module: ``tests/test_imagecodec*.py`` import it after their
``pytest.importorskip("PIL")``.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from PIL import Image

import rekostub._engine.embedding as embedding
import rekostub._images.codec as ic
import rekostub._images.draw as icd
from rekostub._images.codec import ImageFace, face_image


def sha_seed(identity: str) -> int:
    """The documented identity seed: first 6 bytes of sha256(identity), big-endian."""
    return int.from_bytes(hashlib.sha256(identity.encode("utf-8")).digest()[:6], "big")


@pytest.fixture(autouse=True)
def _identity_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use the real identity_seed once it exists; until then the documented formula."""
    try:
        embedding.identity_seed("probe")
    except NotImplementedError:
        monkeypatch.setattr(icd, "identity_seed", sha_seed)


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


@pytest.fixture(scope="module", name="group_png")
def group_png_fixture() -> bytes:
    with pytest.MonkeyPatch.context() as mp:
        try:
            embedding.identity_seed("probe")
        except NotImplementedError:
            mp.setattr(icd, "identity_seed", sha_seed)
        return face_image(*FACES, size=SIZE)


@pytest.fixture(scope="module", name="group_img")
def group_img_fixture(group_png: bytes) -> Any:
    return load(group_png).convert("RGB")


def assert_same_face(got: ImageFace, want: ImageFace) -> None:
    assert got.seed == want.seed
    assert got.similarity == want.similarity
    assert got.quality == want.quality
