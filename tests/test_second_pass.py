"""Issue 11, second pass: answers public AWS material shows, through real boto3 clients.

ARNs, error texts, empty bodies, name-based ImageIds, float32 confidences, landmarks, the
SearchUsersByImage face details and the 80-pixel minimum (docs/behaviour.md lists each with
its source).
"""

from __future__ import annotations

import io
import json
import re
import uuid
from typing import Any

import numpy as np
import pytest
from conftest import STAFF, ClientFactory, error_of, valid
from PIL import Image

import rekostub
from rekostub._images.dimensions import image_size

#: A name-based UUID (version 3 or 5), as AWS's ImageIds are (``56a0ca74-1c83-39dd-...``).
NAME_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[35][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
DEFAULT_LANDMARKS = ["eyeLeft", "eyeRight", "mouthLeft", "mouthRight", "nose"]


# -- ARNs ---------------------------------------------------------------------------------------


def test_describe_collection_arn_has_the_arn_prefix_and_create_collection_not(
    client: ClientFactory,
) -> None:
    with rekostub.stub():
        c = client()
        created = c.create_collection(CollectionId="MyCollection")["CollectionArn"]
        described = c.describe_collection(CollectionId="MyCollection")["CollectionARN"]
    assert created == "aws:rekognition:us-east-1:123456789012:collection/MyCollection"
    assert described == "arn:aws:rekognition:us-east-1:123456789012:collection/MyCollection"


# -- error texts --------------------------------------------------------------------------------

DEVELOPER_GUIDE_TEXTS = {
    "ProvisionedThroughputExceededException": "Provisioned Rate exceeded.",
    "ThrottlingException": "Slow down; sudden increase in rate of requests.",
    "InternalServerError": "Internal server error",
    "ImageTooLargeException": "Image size is too large.",
    "InvalidPaginationTokenException": "Invalid Token",
}


@pytest.mark.parametrize(("code", "text"), sorted(DEVELOPER_GUIDE_TEXTS.items()))
def test_injected_errors_carry_the_developer_guides_text(
    client: ClientFactory, code: str, text: str
) -> None:
    c = client(retries={"total_max_attempts": 1})  # no retry: see the first answer
    # fake.fail takes only codes the operation can answer: ListUsers cannot be too large.
    if code == "ImageTooLargeException":
        operation, call = "DetectFaces", lambda: c.detect_faces(Image={"Bytes": b"\xff\xd8"})
    else:
        operation, call = "ListUsers", lambda: c.list_users(CollectionId="staff")
    with rekostub.stub(fixture=STAFF) as fake:
        fake.fail(operation, code)
        with pytest.raises(c.exceptions.ClientError) as excinfo:
            call()
    assert error_of(excinfo) == (code, text)


def test_a_bad_next_token_says_invalid_token(client: ClientFactory) -> None:
    with rekostub.stub(fixture=STAFF):
        c = client()
        with pytest.raises(c.exceptions.InvalidPaginationTokenException) as excinfo:
            c.list_faces(CollectionId="staff", NextToken="not-a-token")
    assert error_of(excinfo) == ("InvalidPaginationTokenException", "Invalid Token")


# -- empty bodies -------------------------------------------------------------------------------


def test_create_user_and_delete_user_answer_an_empty_body(client: ClientFactory) -> None:
    bodies: list[bytes] = []

    def keep_body(http_response: Any, **_: Any) -> None:
        bodies.append(http_response.content)

    with rekostub.stub(fixture=STAFF):
        c = client()
        c.meta.events.register("after-call.rekognition", keep_body)
        created = c.create_user(CollectionId="staff", UserId="erin")
        deleted = c.delete_user(CollectionId="staff", UserId="erin")
        listed = c.list_users(CollectionId="staff")
    # boto3 gives ResponseMetadata only, as for the real service's empty 200 answer.
    assert set(created) == set(deleted) == {"ResponseMetadata"}
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert created["ResponseMetadata"]["HTTPHeaders"]["content-length"] == "0"
    assert bodies[:2] == [b"", b""]
    assert bodies[2].startswith(b"{")  # other answers keep their JSON body
    assert "erin" not in [u["UserId"] for u in listed["Users"]]


# -- ids and numbers ----------------------------------------------------------------------------


def test_image_ids_are_name_based_uuids(client: ClientFactory) -> None:
    photo = rekostub.face_image("frank")
    with rekostub.stub(fixture=STAFF):
        c = client()
        listed = c.list_faces(CollectionId="staff")["Faces"]
        indexed = c.index_faces(CollectionId="staff", Image={"Bytes": photo})
        again = c.index_faces(CollectionId="staff", Image={"Bytes": photo}, ExternalImageId="x")
    fixture_ids = {f["ImageId"] for f in listed}
    assert fixture_ids
    assert all(NAME_UUID.fullmatch(i) for i in fixture_ids)
    (record,) = indexed["FaceRecords"]
    image_id = record["Face"]["ImageId"]
    assert NAME_UUID.fullmatch(image_id)
    assert again["FaceRecords"][0]["Face"]["ImageId"] == image_id  # same bytes, same ImageId
    assert uuid.UUID(image_id).version == 5


def test_fixture_faces_report_a_float32_confidence(client: ClientFactory) -> None:
    with rekostub.stub(fixture=STAFF):
        faces = client().list_faces(CollectionId="staff")["Faces"]
    confidences = {f["Confidence"] for f in faces}
    assert all(float(np.float32(c)) == c for c in confidences)
    assert all(99.9 < c <= 100 for c in confidences)


# -- face details -------------------------------------------------------------------------------


def test_index_faces_default_landmarks_are_five_and_all_gives_thirty(
    client: ClientFactory,
) -> None:
    photo = rekostub.face_image("frank")
    with rekostub.stub(fixture=STAFF):
        c = client()
        default = c.index_faces(CollectionId="staff", Image={"Bytes": photo})
        every = c.index_faces(
            CollectionId="staff", Image={"Bytes": photo}, DetectionAttributes=["ALL"]
        )
    assert valid("IndexFaces", default) == valid("IndexFaces", every) == []
    short = [m["Type"] for m in default["FaceRecords"][0]["FaceDetail"]["Landmarks"]]
    full = [m["Type"] for m in every["FaceRecords"][0]["FaceDetail"]["Landmarks"]]
    assert short == DEFAULT_LANDMARKS
    assert full[:5] == DEFAULT_LANDMARKS
    assert len(set(full)) == 30
    # the five are at the same places in both answers
    assert (
        every["FaceRecords"][0]["FaceDetail"]["Landmarks"][:5]
        == (default["FaceRecords"][0]["FaceDetail"]["Landmarks"])
    )


def test_search_users_by_image_face_details_carry_only_the_bounding_box(
    client: ClientFactory,
) -> None:
    group = rekostub.face_image("alice", "bob", "carol")
    with rekostub.stub(fixture=STAFF):
        c = client()
        resp = c.search_users_by_image(CollectionId="staff", Image={"Bytes": group})
        boxes = [f["BoundingBox"] for f in c.detect_faces(Image={"Bytes": group})["FaceDetails"]]
    assert valid("SearchUsersByImage", resp) == []
    assert resp["SearchedFace"] == {"FaceDetail": {"BoundingBox": boxes[0]}}
    assert [u["FaceDetails"] for u in resp["UnsearchedFaces"]] == [
        {"BoundingBox": box} for box in boxes[1:]
    ]


# -- the 80-pixel minimum -----------------------------------------------------------------------


def _resized(image: bytes, size: tuple[int, int], fmt: str) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(image)).convert("RGB").resize(size).save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
@pytest.mark.parametrize(
    ("size", "refused"), [((79, 200), True), ((200, 79), True), ((80, 80), False)]
)
def test_images_under_80_pixels_a_side_are_invalid_parameters(
    client: ClientFactory, fmt: str, size: tuple[int, int], refused: bool
) -> None:
    small = _resized(rekostub.face_image("alice"), size, fmt)
    with rekostub.stub(fixture=STAFF) as fake:
        c = client()
        if refused:
            with pytest.raises(c.exceptions.InvalidParameterException) as excinfo:
                c.detect_faces(Image={"Bytes": small})
            assert error_of(excinfo) == (
                "InvalidParameterException",
                "Request has invalid parameters.",
            )
            hint = fake.calls[-1].error.hint  # type: ignore[union-attr]
            assert hint is not None
            assert f"{size[0]}x{size[1]} pixels" in hint
            assert "at least 80 pixels" in hint
        else:
            assert valid("DetectFaces", c.detect_faces(Image={"Bytes": small})) == []


def test_a_described_image_under_80_pixels_is_refused_too(
    client: ClientFactory, tmp_path: Any
) -> None:
    """A fixture ``images`` entry describes faces, but AWS would refuse the bytes themselves."""
    small = _resized(rekostub.face_image("alice"), (60, 60), "PNG")
    (tmp_path / "tiny.png").write_bytes(small)
    fixture = {**STAFF, "images": {"tiny.png": {"faces": ["alice"]}}}
    path = tmp_path / "faces.json"
    path.write_text(json.dumps(fixture))
    with rekostub.stub(fixture=str(path)):
        c = client()
        with pytest.raises(c.exceptions.InvalidParameterException):
            c.search_users_by_image(CollectionId="staff", Image={"Bytes": small})


@pytest.mark.parametrize(
    ("fmt", "mode", "options"),
    [
        ("PNG", "RGB", {}),
        ("PNG", "L", {}),
        ("PNG", "RGBA", {}),
        ("PNG", "P", {}),
        ("JPEG", "RGB", {}),
        ("JPEG", "L", {}),
        ("JPEG", "RGB", {"progressive": True}),
        ("JPEG", "RGB", {"exif": b"Exif\x00\x00" + bytes(64), "quality": 60}),
    ],
)
def test_image_size_comes_from_the_header(fmt: str, mode: str, options: dict[str, Any]) -> None:
    out = io.BytesIO()
    Image.new(mode, (123, 81)).save(out, fmt, **options)
    data = out.getvalue()
    assert image_size(data) == (123, 81)
    assert image_size(data[:10]) is None  # a header cut short says nothing
    assert image_size(b"GIF89a" + data) is None
