"""IndexFaces through real boto3 clients: records, quality filter, MaxFaces, dedupe, errors."""

from __future__ import annotations

import re
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import error_of, valid

import rekostub

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
#: A name-based (version 3 or 5) UUID, as AWS's ImageIds are.
NAME_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[35][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
EMPTY: dict[str, Any] = {"collections": {"c": {}, "other": {}}}
ALICE = rekostub.face_image("alice")
GROUP = rekostub.face_image("alice", "bob", "carol")  # alice largest, carol smallest
S3_MISSING = (
    "Unable to get object metadata from S3. Check object key, region and/or access permissions."
)


def client() -> Any:
    return boto3.client("rekognition", region_name="us-east-1")


def face_count(c: Any, collection: str = "c") -> int:
    return int(c.describe_collection(CollectionId=collection)["FaceCount"])


def test_index_faces_answers_a_record_per_face_largest_first() -> None:
    c = client()
    with rekostub.stub(fixture=EMPTY):
        resp = c.index_faces(CollectionId="c", Image={"Bytes": GROUP}, ExternalImageId="group")
        detected = c.detect_faces(Image={"Bytes": GROUP})["FaceDetails"]
        assert face_count(c) == 3
    assert valid("IndexFaces", resp) == []
    records = resp["FaceRecords"]
    assert len(records) == 3
    assert resp["FaceModelVersion"] == "7.0"
    assert resp["UnindexedFaces"] == []
    assert "OrientationCorrection" not in resp  # not answered for face model 7.0
    areas = [
        r["Face"]["BoundingBox"]["Width"] * r["Face"]["BoundingBox"]["Height"] for r in records
    ]
    assert areas == sorted(areas, reverse=True)
    face_ids = [r["Face"]["FaceId"] for r in records]
    assert all(UUID.fullmatch(f) for f in face_ids)
    assert len(set(face_ids)) == 3
    image_ids = {r["Face"]["ImageId"] for r in records}
    assert len(image_ids) == 1
    assert NAME_UUID.fullmatch(image_ids.pop())
    for record, detail in zip(records, detected):
        face = record["Face"]
        assert set(face) == {"FaceId", "BoundingBox", "ImageId", "ExternalImageId", "Confidence"}
        assert face["ExternalImageId"] == "group"
        assert face["BoundingBox"] == record["FaceDetail"]["BoundingBox"] == detail["BoundingBox"]
        assert face["Confidence"] == record["FaceDetail"]["Confidence"]
        assert set(record["FaceDetail"]) == {
            "BoundingBox",
            "Confidence",
            "Landmarks",
            "Pose",
            "Quality",
        }


def test_the_box_is_the_face_box_in_the_image() -> None:
    box = {"Left": 0.25, "Top": 0.2, "Width": 0.5, "Height": 0.6}
    image = rekostub.face_image({"identity": "alice", "box": box}, size=(400, 400))
    c = client()
    with rekostub.stub(fixture=EMPTY):
        got = c.index_faces(CollectionId="c", Image={"Bytes": image})["FaceRecords"][0]["Face"]
    for key, value in box.items():
        assert got["BoundingBox"][key] == pytest.approx(value, abs=0.01)


def test_image_id_is_stable_for_the_same_bytes() -> None:
    c = client()
    with rekostub.stub(fixture=EMPTY):
        first = c.index_faces(CollectionId="c", Image={"Bytes": ALICE}, ExternalImageId="a")
        second = c.index_faces(CollectionId="other", Image={"Bytes": ALICE}, ExternalImageId="b")
        third = c.index_faces(CollectionId="c", Image={"Bytes": GROUP})
    image_id = first["FaceRecords"][0]["Face"]["ImageId"]
    assert second["FaceRecords"][0]["Face"]["ImageId"] == image_id
    assert third["FaceRecords"][0]["Face"]["ImageId"] != image_id


def test_an_image_without_faces_indexes_nothing() -> None:
    c = client()
    with rekostub.stub(fixture=EMPTY):
        resp = c.index_faces(CollectionId="c", Image={"Bytes": rekostub.face_image()})
        assert face_count(c) == 0
    assert resp["FaceRecords"] == []
    assert resp["UnindexedFaces"] == []
    assert resp["FaceModelVersion"] == "7.0"


def test_max_faces_keeps_the_largest() -> None:
    c = client()
    with rekostub.stub(fixture=EMPTY):
        resp = c.index_faces(CollectionId="c", Image={"Bytes": GROUP}, MaxFaces=1)
        everything = c.detect_faces(Image={"Bytes": GROUP})["FaceDetails"]
        assert face_count(c) == 1
    assert valid("IndexFaces", resp) == []
    assert [r["FaceDetail"]["BoundingBox"] for r in resp["FaceRecords"]] == [
        everything[0]["BoundingBox"]
    ]
    assert [u["Reasons"] for u in resp["UnindexedFaces"]] == [["EXCEEDS_MAX_FACES"]] * 2
    assert [u["FaceDetail"]["BoundingBox"] for u in resp["UnindexedFaces"]] == [
        d["BoundingBox"] for d in everything[1:]
    ]


def test_max_faces_over_100_is_accepted_and_max_faces_0_is_a_validation_error() -> None:
    c = client()
    unchecked = boto3.client(
        "rekognition", region_name="us-east-1", config=Config(parameter_validation=False)
    )
    with rekostub.stub(fixture=EMPTY):
        assert (
            len(
                c.index_faces(CollectionId="c", Image={"Bytes": GROUP}, MaxFaces=500)["FaceRecords"]
            )
            == 3
        )
        with pytest.raises(ClientError) as exc:
            unchecked.index_faces(CollectionId="c", Image={"Bytes": GROUP}, MaxFaces=0)
    code, message = error_of(exc)
    assert code == "ValidationException"
    assert (
        "at 'maxFaces' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1" in message
    )


def quality_face(brightness: float, sharpness: float) -> bytes:
    return rekostub.face_image(
        {"identity": "bright", "quality": {"Brightness": 90, "Sharpness": 90}},
        {"identity": "tested", "quality": {"Brightness": brightness, "Sharpness": sharpness}},
    )


@pytest.mark.parametrize(
    ("level", "brightness", "sharpness", "reasons"),
    [
        (None, 19, 90, ["LOW_BRIGHTNESS", "LOW_FACE_QUALITY"]),  # AUTO: bar 20
        (None, 20, 20, []),
        ("AUTO", 90, 5, ["LOW_SHARPNESS", "LOW_FACE_QUALITY"]),
        ("NONE", 0, 0, []),
        ("LOW", 10, 10, []),
        ("LOW", 9, 9, ["LOW_BRIGHTNESS", "LOW_SHARPNESS", "LOW_FACE_QUALITY"]),
        ("MEDIUM", 29, 30, ["LOW_BRIGHTNESS", "LOW_FACE_QUALITY"]),
        ("MEDIUM", 30, 30, []),
        ("HIGH", 60, 49, ["LOW_SHARPNESS", "LOW_FACE_QUALITY"]),
        ("HIGH", 50, 50, []),
    ],
)
def test_quality_filter(
    level: str | None, brightness: float, sharpness: float, reasons: list[str]
) -> None:
    image = quality_face(brightness, sharpness)
    extra = {} if level is None else {"QualityFilter": level}
    c = client()
    with rekostub.stub(fixture=EMPTY):
        resp = c.index_faces(CollectionId="c", Image={"Bytes": image}, **extra)
    assert valid("IndexFaces", resp) == []
    if reasons:
        assert len(resp["FaceRecords"]) == 1
        (unindexed,) = resp["UnindexedFaces"]
        assert unindexed["Reasons"] == reasons
        assert unindexed["FaceDetail"]["Quality"] == {
            "Brightness": brightness,
            "Sharpness": sharpness,
        }
    else:
        assert len(resp["FaceRecords"]) == 2
        assert resp["UnindexedFaces"] == []
        assert resp["FaceRecords"][1]["FaceDetail"]["Quality"] == {
            "Brightness": brightness,
            "Sharpness": sharpness,
        }


def test_quality_is_filtered_before_max_faces() -> None:
    image = rekostub.face_image(
        {"identity": "blurred", "quality": {"Sharpness": 1}}, "second", "third"
    )
    c = client()
    with rekostub.stub(fixture=EMPTY):
        resp = c.index_faces(CollectionId="c", Image={"Bytes": image}, MaxFaces=1)
    assert len(resp["FaceRecords"]) == 1
    assert [u["Reasons"] for u in resp["UnindexedFaces"]] == [
        ["LOW_SHARPNESS", "LOW_FACE_QUALITY"],
        ["EXCEEDS_MAX_FACES"],
    ]


def test_detection_attributes() -> None:
    c = client()
    with rekostub.stub(fixture=EMPTY):
        every = c.index_faces(CollectionId="c", Image={"Bytes": ALICE}, DetectionAttributes=["ALL"])
        some = c.index_faces(
            CollectionId="other", Image={"Bytes": ALICE}, DetectionAttributes=["GENDER", "SMILE"]
        )
        both = c.index_faces(
            CollectionId="c", Image={"Bytes": GROUP}, DetectionAttributes=["DEFAULT", "ALL"]
        )
    assert valid("IndexFaces", every) == []
    assert valid("IndexFaces", some) == []
    all_keys = {
        "BoundingBox", "Confidence", "Landmarks", "Pose", "Quality", "AgeRange", "Smile",
        "Eyeglasses", "Sunglasses", "Gender", "Beard", "Mustache", "EyesOpen", "MouthOpen",
        "Emotions", "FaceOccluded", "EyeDirection",
    }  # fmt: skip
    assert set(every["FaceRecords"][0]["FaceDetail"]) == all_keys
    assert set(both["FaceRecords"][0]["FaceDetail"]) == all_keys
    assert set(some["FaceRecords"][0]["FaceDetail"]) == {
        "BoundingBox", "Confidence", "Landmarks", "Pose", "Quality", "Gender", "Smile"
    }  # fmt: skip


def test_same_image_collection_and_external_id_store_no_duplicate() -> None:
    c = client()
    with rekostub.stub(fixture=EMPTY):
        first = c.index_faces(CollectionId="c", Image={"Bytes": GROUP}, ExternalImageId="party")
        again = c.index_faces(CollectionId="c", Image={"Bytes": GROUP}, ExternalImageId="party")
        assert face_count(c) == 3
        other_external = c.index_faces(
            CollectionId="c", Image={"Bytes": GROUP}, ExternalImageId="p2"
        )
        no_external = c.index_faces(CollectionId="c", Image={"Bytes": GROUP})
        no_external_again = c.index_faces(CollectionId="c", Image={"Bytes": GROUP})
        assert face_count(c) == 9
        other_collection = c.index_faces(
            CollectionId="other", Image={"Bytes": GROUP}, ExternalImageId="party"
        )
        assert face_count(c, "other") == 3

    def ids(resp: dict[str, Any]) -> list[str]:
        return [r["Face"]["FaceId"] for r in resp["FaceRecords"]]

    assert ids(again) == ids(first)
    assert again["FaceRecords"] == first["FaceRecords"]
    assert ids(no_external_again) == ids(no_external)
    assert not set(ids(other_external)) & set(ids(first))
    assert not set(ids(no_external)) & set(ids(first))
    assert not set(ids(other_collection)) & set(ids(first))


def test_a_deleted_face_is_indexed_again_and_the_others_are_kept() -> None:
    c = client()
    with rekostub.stub(fixture=EMPTY):
        first = [
            r["Face"]["FaceId"]
            for r in c.index_faces(CollectionId="c", Image={"Bytes": GROUP})["FaceRecords"]
        ]
        c.delete_faces(CollectionId="c", FaceIds=[first[1]])
        again = [
            r["Face"]["FaceId"]
            for r in c.index_faces(CollectionId="c", Image={"Bytes": GROUP})["FaceRecords"]
        ]
        assert face_count(c) == 3
    assert again[0] == first[0]
    assert again[2] == first[2]
    assert again[1] != first[1]


def test_more_faces_after_a_smaller_max_faces_adds_only_the_new_ones() -> None:
    c = client()
    with rekostub.stub(fixture=EMPTY):
        one = c.index_faces(CollectionId="c", Image={"Bytes": GROUP}, MaxFaces=1)
        three = c.index_faces(CollectionId="c", Image={"Bytes": GROUP})
        assert face_count(c) == 3
    assert three["FaceRecords"][0] == one["FaceRecords"][0]


def test_face_ids_are_deterministic_per_fake() -> None:
    def run() -> list[str]:
        c = client()
        with rekostub.stub(fixture=EMPTY):
            a = c.index_faces(CollectionId="c", Image={"Bytes": GROUP}, ExternalImageId="x")
            b = c.index_faces(CollectionId="c", Image={"Bytes": ALICE})
        return [r["Face"]["FaceId"] for r in a["FaceRecords"] + b["FaceRecords"]]

    assert run() == run()


def test_indexed_faces_are_searchable_at_once_and_listed_with_their_box() -> None:
    other_photo = rekostub.face_image("alice", size=(300, 200))
    c = client()
    with rekostub.stub(fixture=EMPTY):
        record = c.index_faces(CollectionId="c", Image={"Bytes": ALICE}, ExternalImageId="a1")[
            "FaceRecords"
        ][0]
        face_id = record["Face"]["FaceId"]
        second = c.index_faces(CollectionId="c", Image={"Bytes": other_photo})["FaceRecords"][0]
        bob = c.index_faces(CollectionId="c", Image={"Bytes": rekostub.face_image("bob")})[
            "FaceRecords"
        ][0]
        matches = c.search_faces(CollectionId="c", FaceId=face_id)["FaceMatches"]
        by_image = c.search_faces_by_image(CollectionId="c", Image={"Bytes": other_photo})[
            "FaceMatches"
        ]
        listed = {f["FaceId"]: f for f in c.list_faces(CollectionId="c")["Faces"]}
    assert [m["Face"]["FaceId"] for m in matches] == [second["Face"]["FaceId"]]
    assert matches[0]["Similarity"] > 99.9
    assert {m["Face"]["FaceId"] for m in by_image} == {face_id, second["Face"]["FaceId"]}
    assert bob["Face"]["FaceId"] not in {m["Face"]["FaceId"] for m in by_image}
    assert listed[face_id]["BoundingBox"] == record["Face"]["BoundingBox"]
    assert listed[face_id]["ExternalImageId"] == "a1"
    assert listed[face_id]["ImageId"] == record["Face"]["ImageId"]
    assert listed[face_id]["Confidence"] == record["Face"]["Confidence"]


def test_snapshot_reproduces_faces_indexed_from_images() -> None:
    c = client()
    with rekostub.stub(fixture=EMPTY) as fake:
        face_id = c.index_faces(CollectionId="c", Image={"Bytes": ALICE})["FaceRecords"][0]["Face"][
            "FaceId"
        ]
        before = c.search_faces_by_image(CollectionId="c", Image={"Bytes": GROUP})["FaceMatches"]
        snap = fake.snapshot()
    with rekostub.stub(fixture=snap):
        after = c.search_faces_by_image(CollectionId="c", Image={"Bytes": GROUP})["FaceMatches"]
    assert [m["Face"]["FaceId"] for m in after] == [face_id]
    assert after[0]["Similarity"] == before[0]["Similarity"]


def test_unknown_collection() -> None:
    c = client()
    with rekostub.stub(fixture=EMPTY), pytest.raises(c.exceptions.ResourceNotFoundException) as exc:
        c.index_faces(CollectionId="nope", Image={"Bytes": ALICE})
    assert error_of(exc) == ("ResourceNotFoundException", "The collection id: nope does not exist")


@pytest.mark.parametrize(
    ("image", "code", "message"),
    [
        (
            {"Bytes": b"GIF89a not a png"},
            "InvalidImageFormatException",
            "Request has invalid image format.",
        ),
        (
            {"Bytes": b"\x89PNG\r\n\x1a\n broken"},
            "InvalidImageFormatException",
            "Request has invalid image format.",
        ),
        (
            {"Bytes": b"\xff\xd8\xff\xe0 broken jpeg"},
            "InvalidImageFormatException",
            "Request has invalid image format.",
        ),
        ({}, "InvalidParameterException", "Request has invalid parameters."),
        (
            {"S3Object": {"Bucket": "photos", "Name": "missing.jpg"}},
            "InvalidS3ObjectException",
            S3_MISSING,
        ),
    ],
)
def test_a_rejected_image_changes_nothing(image: dict[str, Any], code: str, message: str) -> None:
    c = client()
    with rekostub.stub(fixture=EMPTY) as fake:
        c.index_faces(CollectionId="c", Image={"Bytes": ALICE})
        with pytest.raises(ClientError) as exc:
            c.index_faces(CollectionId="c", Image=image)
        assert face_count(c) == 1
        assert fake.calls[-2].error is not None
        assert fake.calls[-2].error.code == code
    assert error_of(exc) == (code, message)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_empty_bytes_are_a_validation_error() -> None:
    c = client()
    with rekostub.stub(fixture=EMPTY), pytest.raises(ClientError) as exc:
        c.index_faces(CollectionId="c", Image={"Bytes": b""})
    assert error_of(exc) == (
        "ValidationException",
        "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at "
        "'image.bytes' failed to satisfy constraint: Member must have length greater than or "
        "equal to 1",
    )


def test_oversized_bytes_are_a_validation_error() -> None:
    c = client()
    with rekostub.stub(fixture=EMPTY), pytest.raises(ClientError) as exc:
        c.index_faces(CollectionId="c", Image={"Bytes": ALICE + b"\0" * (5 * 1024 * 1024)})
    code, message = error_of(exc)
    assert code == "ValidationException"
    assert message.startswith("1 validation error detected: Value 'java.nio.HeapByteBuffer[")
    assert message.endswith(
        "at 'image.bytes' failed to satisfy constraint: "
        "Member must have length less than or equal to 5242880"
    )


def test_an_older_face_model_answers_orientation_correction() -> None:
    c = client()
    with rekostub.stub(fixture={"collections": {"old": {"face_model_version": "3.0"}}}):
        resp = c.index_faces(CollectionId="old", Image={"Bytes": ALICE})
    assert resp["OrientationCorrection"] == "ROTATE_0"
    assert resp["FaceModelVersion"] == "3.0"
    assert resp["FaceRecords"][0]["Face"]["FaceId"]
