"""DetectFaces and CompareFaces through real boto3 clients."""

from __future__ import annotations

import io
from typing import Any

import boto3
import pytest
from conftest import error_of, valid
from PIL import Image

import rekostub
from rekostub._common.names import service_model

DEFAULT_KEYS = {"BoundingBox", "Confidence", "Landmarks", "Pose", "Quality"}
ALL_KEYS = DEFAULT_KEYS | {
    "AgeRange", "Smile", "Eyeglasses", "Sunglasses", "Gender", "Beard", "Mustache", "EyesOpen",
    "MouthOpen", "Emotions", "FaceOccluded", "EyeDirection",
}  # fmt: skip
# DEFAULT attributes: these five landmarks, in this order (AWS CLI compare-faces and
# detect-faces examples); ALL: the model's 30 landmark types.
CORE_LANDMARKS = ["eyeLeft", "eyeRight", "mouthLeft", "mouthRight", "nose"]


def client() -> Any:
    return boto3.client("rekognition", region_name="us-east-1")


# -- the images themselves ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_face_images_open_with_pillow(fmt: str) -> None:
    data = rekostub.face_image("alice", "bob", format=fmt)
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == fmt
        assert img.mode == "RGB"
        width, height = img.size
        img.load()
    assert width >= 2 * 128
    assert height >= 128


def test_face_image_is_exported() -> None:
    assert "face_image" in rekostub.__all__


# -- DetectFaces -------------------------------------------------------------------------------


def test_detect_faces_default_attributes() -> None:
    image = rekostub.face_image(
        {
            "identity": "alice",
            "box": (0.1, 0.2, 0.3, 0.5),
            "quality": {"Brightness": 61, "Sharpness": 42},
        },
        {"identity": "bob", "box": (0.6, 0.1, 0.2, 0.3)},
        size=(640, 480),
    )
    c = client()
    with rekostub.stub():
        resp = c.detect_faces(Image={"Bytes": image})
    assert valid("DetectFaces", resp) == []
    faces = resp["FaceDetails"]
    assert len(faces) == 2
    for face in faces:
        assert set(face) == DEFAULT_KEYS
        assert 99.0 < face["Confidence"] <= 100
        assert all(abs(face["Pose"][k]) <= 15 for k in ("Roll", "Yaw", "Pitch"))
        box = face["BoundingBox"]
        types = [lm["Type"] for lm in face["Landmarks"]]
        assert types == CORE_LANDMARKS
        for lm in face["Landmarks"]:
            assert box["Left"] <= lm["X"] <= box["Left"] + box["Width"]
            assert box["Top"] <= lm["Y"] <= box["Top"] + box["Height"]
        marks = {lm["Type"]: lm for lm in face["Landmarks"]}
        assert marks["eyeLeft"]["X"] < marks["nose"]["X"] < marks["eyeRight"]["X"]
        assert marks["eyeLeft"]["Y"] < marks["nose"]["Y"] < marks["mouthLeft"]["Y"]
    first = faces[0]["BoundingBox"]
    assert first["Left"] == pytest.approx(0.1, abs=0.01)
    assert first["Top"] == pytest.approx(0.2, abs=0.01)
    assert first["Width"] == pytest.approx(0.3, abs=0.01)
    assert first["Height"] == pytest.approx(0.5, abs=0.01)
    assert faces[0]["Quality"] == {"Brightness": 61.0, "Sharpness": 42.0}
    assert faces[1]["Quality"] == {"Brightness": 90.0, "Sharpness": 90.0}


def test_detect_faces_all_attributes() -> None:
    image = rekostub.face_image("alice", "bob", "carol")
    c = client()
    with rekostub.stub():
        resp = c.detect_faces(Image={"Bytes": image}, Attributes=["ALL"])
        again = c.detect_faces(Image={"Bytes": image}, Attributes=["ALL"])
        other_photo = c.detect_faces(
            Image={"Bytes": rekostub.face_image("alice", size=(200, 300))}, Attributes=["ALL"]
        )
    assert valid("DetectFaces", resp) == []
    assert resp["FaceDetails"] == again["FaceDetails"]  # deterministic
    landmark_types = set(
        service_model().shape_for("Landmark").members["Type"].enum  # the model's 30 types
    )
    assert len(landmark_types) == 30
    for face in resp["FaceDetails"]:
        assert set(face) == ALL_KEYS
        types = [lm["Type"] for lm in face["Landmarks"]]
        assert types[:5] == CORE_LANDMARKS
        assert len(types) == len(set(types)) == 30
        assert set(types) == landmark_types
        box = face["BoundingBox"]
        for lm in face["Landmarks"]:
            assert box["Left"] <= lm["X"] <= box["Left"] + box["Width"]
            assert box["Top"] <= lm["Y"] <= box["Top"] + box["Height"]
        assert face["AgeRange"]["Low"] <= face["AgeRange"]["High"]
        assert face["Gender"]["Value"] in ("Male", "Female")
        emotions = face["Emotions"]
        assert len(emotions) == 9
        confidences = [e["Confidence"] for e in emotions]
        assert confidences == sorted(confidences, reverse=True)
        assert sum(confidences) == pytest.approx(100, abs=0.01)
    # A person's traits are the same in every picture of them.
    alice, alice_again = resp["FaceDetails"][0], other_photo["FaceDetails"][0]
    for key in ("AgeRange", "Gender", "Smile", "Beard", "Emotions", "Pose"):
        assert alice[key] == alice_again[key]


def test_detect_faces_specific_attributes() -> None:
    c = client()
    with rekostub.stub():
        resp = c.detect_faces(
            Image={"Bytes": rekostub.face_image("alice")},
            Attributes=["FACE_OCCLUDED", "EYE_DIRECTION"],
        )
        default = c.detect_faces(
            Image={"Bytes": rekostub.face_image("alice")}, Attributes=["DEFAULT"]
        )
    assert set(resp["FaceDetails"][0]) == DEFAULT_KEYS | {"FaceOccluded", "EyeDirection"}
    assert set(default["FaceDetails"][0]) == DEFAULT_KEYS
    # Landmarks: the full set only with ALL (Decided for named attributes)
    assert [m["Type"] for m in resp["FaceDetails"][0]["Landmarks"]] == CORE_LANDMARKS
    assert valid("DetectFaces", resp) == []


def test_detect_faces_largest_first_and_no_face() -> None:
    image = rekostub.face_image(
        {"identity": "small", "box": (0.05, 0.05, 0.2, 0.2)},
        {"identity": "large", "box": (0.4, 0.3, 0.5, 0.6)},
        size=(600, 600),
    )
    c = client()
    with rekostub.stub():
        faces = c.detect_faces(Image={"Bytes": image})["FaceDetails"]
        empty = c.detect_faces(Image={"Bytes": rekostub.face_image()})
    assert faces[0]["BoundingBox"]["Width"] == pytest.approx(0.5, abs=0.01)
    assert faces[1]["BoundingBox"]["Width"] == pytest.approx(0.2, abs=0.01)
    assert empty["FaceDetails"] == []


def test_detect_faces_reads_jpeg_grayscale_and_resized_images() -> None:
    original = rekostub.face_image("alice", "bob", size=(600, 320))
    with Image.open(io.BytesIO(original)) as img:
        gray = io.BytesIO()
        img.convert("L").resize((540, 288)).save(gray, format="JPEG", quality=85)
    c = client()
    with rekostub.stub():
        want = c.detect_faces(Image={"Bytes": original})["FaceDetails"]
        got = c.detect_faces(Image={"Bytes": gray.getvalue()})["FaceDetails"]
    assert len(got) == 2
    for a, b in zip(want, got):
        for key in ("Left", "Top", "Width", "Height"):
            assert a["BoundingBox"][key] == pytest.approx(b["BoundingBox"][key], abs=0.02)
        assert a["Pose"] == b["Pose"]


@pytest.mark.parametrize(
    "data", [b"GIF89a...", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR broken", b"\xff\xd8\xff\xdb broken"]
)
def test_detect_faces_invalid_images(data: bytes) -> None:
    c = client()
    with rekostub.stub(), pytest.raises(c.exceptions.InvalidImageFormatException) as exc:
        c.detect_faces(Image={"Bytes": data})
    assert error_of(exc) == ("InvalidImageFormatException", "Request has invalid image format.")


def test_detect_faces_with_both_bytes_and_s3_object() -> None:
    c = client()
    with rekostub.stub(), pytest.raises(c.exceptions.InvalidParameterException) as exc:
        c.detect_faces(
            Image={
                "Bytes": rekostub.face_image("a"),
                "S3Object": {"Bucket": "bkt", "Name": "a.png"},
            }
        )
    assert error_of(exc) == ("InvalidParameterException", "Request has invalid parameters.")


# -- CompareFaces ------------------------------------------------------------------------------

SOURCE = rekostub.face_image("alice", "zed")  # alice is the largest
TARGET = rekostub.face_image("bob", "alice", "carol")


def test_compare_faces_matches_and_unmatched() -> None:
    c = client()
    with rekostub.stub():
        resp = c.compare_faces(SourceImage={"Bytes": SOURCE}, TargetImage={"Bytes": TARGET})
        source = c.detect_faces(Image={"Bytes": SOURCE})["FaceDetails"][0]
        target = c.detect_faces(Image={"Bytes": TARGET})["FaceDetails"]
    assert valid("CompareFaces", resp) == []
    assert resp["SourceImageFace"] == {
        "BoundingBox": source["BoundingBox"],
        "Confidence": source["Confidence"],
    }
    (match,) = resp["FaceMatches"]
    assert match["Similarity"] > 99.9
    assert set(match["Face"]) == DEFAULT_KEYS
    assert match["Face"]["BoundingBox"] == target[1]["BoundingBox"]
    assert match["Face"]["Landmarks"] == target[1]["Landmarks"]
    assert [m["Type"] for m in match["Face"]["Landmarks"]] == CORE_LANDMARKS
    assert [f["BoundingBox"] for f in resp["UnmatchedFaces"]] == [
        target[0]["BoundingBox"],
        target[2]["BoundingBox"],
    ]
    assert all(set(f) == DEFAULT_KEYS for f in resp["UnmatchedFaces"])


def test_compare_faces_threshold_is_inclusive_and_matches_sort_by_similarity() -> None:
    target = rekostub.face_image(
        {"identity": "alice", "similarity": 82}, {"identity": "alice", "similarity": 91}, "bob"
    )
    c = client()
    with rekostub.stub():
        everything = c.compare_faces(
            SourceImage={"Bytes": SOURCE}, TargetImage={"Bytes": target}, SimilarityThreshold=0
        )
        sims = [m["Similarity"] for m in everything["FaceMatches"]]
        at_82 = c.compare_faces(
            SourceImage={"Bytes": SOURCE},
            TargetImage={"Bytes": target},
            SimilarityThreshold=sims[1],
        )
        above_82 = c.compare_faces(
            SourceImage={"Bytes": SOURCE},
            TargetImage={"Bytes": target},
            SimilarityThreshold=sims[1] + 0.001,
        )
        default = c.compare_faces(SourceImage={"Bytes": SOURCE}, TargetImage={"Bytes": target})
    assert len(sims) == 3
    assert sims == sorted(sims, reverse=True)
    assert sims[0] == pytest.approx(91, abs=0.1)
    assert sims[1] == pytest.approx(82, abs=0.1)
    assert everything["UnmatchedFaces"] == []
    assert [m["Similarity"] for m in at_82["FaceMatches"]] == sims[:2]
    assert [m["Similarity"] for m in above_82["FaceMatches"]] == sims[:1]
    assert len(above_82["UnmatchedFaces"]) == 2
    assert [m["Similarity"] for m in default["FaceMatches"]] == sims[:2]  # default threshold 80


@pytest.mark.parametrize("empty_side", ["SourceImage", "TargetImage"])
def test_compare_faces_needs_a_face_on_both_sides(empty_side: str) -> None:
    images = {"SourceImage": {"Bytes": SOURCE}, "TargetImage": {"Bytes": TARGET}}
    images[empty_side] = {"Bytes": rekostub.face_image()}
    c = client()
    with rekostub.stub(), pytest.raises(c.exceptions.InvalidParameterException) as exc:
        c.compare_faces(**images)
    assert error_of(exc) == (
        "InvalidParameterException",
        "There are no faces in the image. Should be at least 1.",
    )


def test_compare_faces_quality_filter() -> None:
    blurry_source = rekostub.face_image({"identity": "alice", "quality": {"Sharpness": 15}}, "bob")
    target = rekostub.face_image(
        "alice", {"identity": "bob", "quality": {"Brightness": 12}}, "carol"
    )
    c = client()
    with rekostub.stub():
        unfiltered = c.compare_faces(
            SourceImage={"Bytes": blurry_source}, TargetImage={"Bytes": target}
        )
        filtered = c.compare_faces(
            SourceImage={"Bytes": blurry_source},
            TargetImage={"Bytes": target},
            QualityFilter="MEDIUM",
        )
    # NONE (the default): alice is the source face and matches alice.
    assert len(unfiltered["FaceMatches"]) == 1
    assert len(unfiltered["UnmatchedFaces"]) == 2
    # MEDIUM: blurry alice is skipped, bob is the source face; the dark bob of the target is not
    # compared at all.
    assert filtered["FaceMatches"] == []
    assert len(filtered["UnmatchedFaces"]) == 2
    assert (
        filtered["SourceImageFace"]["BoundingBox"] != unfiltered["SourceImageFace"]["BoundingBox"]
    )


def test_compare_an_image_with_itself() -> None:
    c = client()
    with rekostub.stub():
        resp = c.compare_faces(SourceImage={"Bytes": TARGET}, TargetImage={"Bytes": TARGET})
    assert [m["Similarity"] for m in resp["FaceMatches"]] == [100.0]
    assert len(resp["UnmatchedFaces"]) == 2


def test_compare_faces_image_errors_name_the_format() -> None:
    c = client()
    with rekostub.stub(), pytest.raises(c.exceptions.InvalidImageFormatException):
        c.compare_faces(SourceImage={"Bytes": SOURCE}, TargetImage={"Bytes": b"RIFF....WEBP"})
