"""Hostile images (issue 13): sizes come from the header before anything is decoded; images
larger than the service's documented maximum are refused as it refuses them, and large ones
are read at a reduced scale with bounded memory (timings: tests/bench/bench_hostile.py)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from botocore.exceptions import ClientError
from conftest import ClientFactory, error_of

import rekostub
from rekostub._images.bounded import MAX_DIMENSION, READ_PIXELS, read_step
from rekostub._images.png import PNG_SIGNATURE, _chunk


def png(width: int, height: int, filter_type: int = 0, *, extra_rows: int = 0) -> bytes:
    """A gray 8-bit PNG of zero rows, each with ``filter_type``; compressed row by row, so a
    10,000 x 10,000 image takes ~100 KB and no 100 MB buffer to make."""
    row = bytes([filter_type]) + bytes(width)
    deflate = zlib.compressobj(9)
    idat = b"".join(deflate.compress(row) for _ in range(height + extra_rows)) + deflate.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return PNG_SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header is rewritten to claim ``width`` x ``height``."""
    image_module = pytest.importorskip("PIL.Image")
    out = io.BytesIO()
    image_module.new("RGB", (80, 80), (200, 120, 90)).save(out, format="JPEG")
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def detect(client: ClientFactory, data: bytes) -> list[object]:
    with rekostub.stub():
        faces: list[object] = client().detect_faces(Image={"Bytes": data})["FaceDetails"]
    return faces


# -- header sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height"), [(MAX_DIMENSION + 1, 100), (100, MAX_DIMENSION + 1), (11_585, 11_585)]
)
def test_a_png_beyond_10000_pixels_is_image_too_large(
    client: ClientFactory, width: int, height: int
) -> None:
    # the header alone decides: no image data follows it
    data = PNG_SIGNATURE + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    with pytest.raises(ClientError) as exc:
        detect(client, data + b"garbage")
    assert error_of(exc) == (
        "ImageTooLargeException",
        "Image size is too large.",
    )


def test_a_jpeg_beyond_10000_pixels_is_image_too_large(client: ClientFactory) -> None:
    """13,000 x 13,000 took 17.8 s and 5.6 GB to decode; its header now decides."""
    c = client()
    with rekostub.stub() as fake:
        c.create_collection(CollectionId="c")
        with pytest.raises(ClientError) as exc:
            c.index_faces(CollectionId="c", Image={"Bytes": jpeg_claiming(13_000, 13_000)})
        assert c.describe_collection(CollectionId="c")["FaceCount"] == 0
    assert error_of(exc)[0] == "ImageTooLargeException"
    assert fake.calls[-1].operation == "DescribeCollection"


# -- large images within the limit ----------------------------------------------------------


def test_read_step_keeps_the_read_within_1920_by_1080() -> None:
    assert read_step(1920, 1080) == 1
    for width, height in [(1921, 1080), (10_000, 10_000), (10_000, 300), (3_000, 2_000)]:
        step = read_step(width, height)
        assert -(-width // step) * -(-height // step) <= READ_PIXELS
        assert -(-width // (step - 1)) * -(-height // (step - 1)) > READ_PIXELS


def test_a_10000_pixel_paeth_png_is_answered(client: ClientFactory) -> None:
    """Paeth rows this large took 10 s and 1.8 GB to undo; such an image is not read for face
    codes (rekostub's images never use Paeth) and shows none."""
    assert detect(client, png(MAX_DIMENSION, MAX_DIMENSION, 4)) == []


def test_a_tall_paeth_png_within_the_area_is_answered(client: ClientFactory) -> None:
    assert detect(client, png(80, MAX_DIMENSION, 4)) == []


def test_inflated_data_beyond_the_declared_rows_is_not_inflated(client: ClientFactory) -> None:
    """1,000,000 extra rows (100 MB inflated) after the 100 declared: never inflated."""
    assert detect(client, png(100, 100, 0, extra_rows=1_000_000)) == []


@pytest.mark.parametrize("image_format", ["PNG", "JPEG"])
def test_a_face_code_in_a_large_image_is_read_at_a_reduced_scale(
    client: ClientFactory, image_format: str
) -> None:
    if image_format == "JPEG":
        pytest.importorskip("PIL")
    data = rekostub.face_image("alice", size=(3_000, 2_000), format=image_format)
    assert read_step(3_000, 2_000) == 2
    small = rekostub.face_image("alice", format=image_format)
    with rekostub.stub():
        c = client()
        c.create_collection(CollectionId="c")
        c.index_faces(CollectionId="c", Image={"Bytes": small})
        (match,) = c.search_faces_by_image(CollectionId="c", Image={"Bytes": data})["FaceMatches"]
    assert match["Similarity"] > 99
