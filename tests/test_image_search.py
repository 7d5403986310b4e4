"""SearchUsersByImage and SearchFacesByImage through real boto3 clients."""

from __future__ import annotations

from typing import Any

import boto3
import numpy as np
import pytest
from conftest import ALICE_1, ALICE_2, BOB_1, CAROL_1, error_of, valid

import rekostub

LOOSE_ALICE = "a11ce000-0000-4000-8000-0000000000ff"

#: Users made of faces of their own identity, a user without faces, a loose face of alice.
STAFF: dict[str, Any] = {
    "collections": {
        "staff": {
            "users": {
                "alice": {"faces": [{"face_id": ALICE_1}, {"face_id": ALICE_2}]},
                "bob": {"faces": [{"face_id": BOB_1}]},
                "carol": {"faces": [{"face_id": CAROL_1}]},
                "dave": {},
            },
            "faces": [{"face_id": LOOSE_ALICE, "identity": "alice"}],
        },
        "empty": {},
    }
}


def client() -> Any:
    return boto3.client("rekognition", region_name="us-east-1")


# -- SearchUsersByImage ------------------------------------------------------------------------


def test_search_users_by_image_finds_the_person() -> None:
    c = client()
    with rekostub.stub(fixture=STAFF):
        resp = c.search_users_by_image(
            CollectionId="staff", Image={"Bytes": rekostub.face_image("alice")}
        )
        detail = c.detect_faces(Image={"Bytes": rekostub.face_image("alice")})["FaceDetails"][0]
    assert valid("SearchUsersByImage", resp) == []
    (match,) = resp["UserMatches"]
    assert match["User"] == {"UserId": "alice", "UserStatus": "ACTIVE"}
    assert match["Similarity"] > 99.9
    assert np.float32(match["Similarity"]) == match["Similarity"]
    assert resp["FaceModelVersion"] == "7.0"
    # Only the BoundingBox, as AWS's example for SearchUsersByImage shows.
    assert resp["SearchedFace"] == {"FaceDetail": {"BoundingBox": detail["BoundingBox"]}}
    assert resp["UnsearchedFaces"] == []


def test_the_largest_face_is_searched_and_the_others_are_unsearched() -> None:
    image = rekostub.face_image("bob", "alice", "carol")  # bob is the largest
    c = client()
    with rekostub.stub(fixture=STAFF):
        resp = c.search_users_by_image(CollectionId="staff", Image={"Bytes": image})
        faces = c.detect_faces(Image={"Bytes": image})["FaceDetails"]
    assert valid("SearchUsersByImage", resp) == []
    assert [m["User"]["UserId"] for m in resp["UserMatches"]] == ["bob"]
    assert resp["SearchedFace"]["FaceDetail"]["BoundingBox"] == faces[0]["BoundingBox"]
    unsearched = resp["UnsearchedFaces"]
    assert [u["Reasons"] for u in unsearched] == [["FACE_NOT_LARGEST"], ["FACE_NOT_LARGEST"]]
    assert [u["FaceDetails"]["BoundingBox"] for u in unsearched] == [
        f["BoundingBox"] for f in faces[1:]
    ]


def test_ties_in_size_go_to_the_face_nearer_the_top_left() -> None:
    image = rekostub.face_image(
        {"identity": "carol", "box": (0.55, 0.1, 0.4, 0.4)},
        {"identity": "bob", "box": (0.05, 0.1, 0.4, 0.4)},
        size=(400, 400),
    )
    c = client()
    with rekostub.stub(fixture=STAFF):
        resp = c.search_users_by_image(CollectionId="staff", Image={"Bytes": image})
    assert [m["User"]["UserId"] for m in resp["UserMatches"]] == ["bob"]


def test_no_face_answers_no_matches_and_no_searched_face() -> None:
    c = client()
    with rekostub.stub(fixture=STAFF):
        resp = c.search_users_by_image(CollectionId="staff", Image={"Bytes": rekostub.face_image()})
    assert valid("SearchUsersByImage", resp) == []
    assert resp["UserMatches"] == []
    assert "SearchedFace" not in resp
    assert resp["UnsearchedFaces"] == []
    assert resp["FaceModelVersion"] == "7.0"


def test_a_stranger_matches_nobody_and_users_without_faces_never_match() -> None:
    c = client()
    with rekostub.stub(fixture=STAFF):
        stranger = c.search_users_by_image(
            CollectionId="staff", Image={"Bytes": rekostub.face_image("zed")}
        )
        everyone = c.search_users_by_image(
            CollectionId="staff", Image={"Bytes": rekostub.face_image("zed")}, UserMatchThreshold=0
        )
    assert stranger["UserMatches"] == []
    assert "SearchedFace" in stranger
    assert {m["User"]["UserId"] for m in everyone["UserMatches"]} == {"alice", "bob", "carol"}


def test_quality_filter_skips_to_the_largest_face_that_passes() -> None:
    image = rekostub.face_image(
        {"identity": "bob", "quality": {"Brightness": 25}}, "alice", "carol"
    )
    c = client()
    with rekostub.stub(fixture=STAFF):
        none = c.search_users_by_image(CollectionId="staff", Image={"Bytes": image})
        medium = c.search_users_by_image(
            CollectionId="staff", Image={"Bytes": image}, QualityFilter="MEDIUM"
        )
    assert [m["User"]["UserId"] for m in none["UserMatches"]] == ["bob"]  # default NONE
    assert [m["User"]["UserId"] for m in medium["UserMatches"]] == ["alice"]
    assert [u["Reasons"] for u in medium["UnsearchedFaces"]] == [
        ["LOW_BRIGHTNESS", "LOW_FACE_QUALITY"],
        ["FACE_NOT_LARGEST"],
    ]
    assert valid("SearchUsersByImage", medium) == []


def test_every_face_filtered_out_is_like_no_face() -> None:
    image = rekostub.face_image({"identity": "bob", "quality": {"Sharpness": 5}})
    c = client()
    with rekostub.stub(fixture=STAFF):
        resp = c.search_users_by_image(
            CollectionId="staff", Image={"Bytes": image}, QualityFilter="LOW"
        )
        with pytest.raises(c.exceptions.InvalidParameterException) as exc:
            c.search_faces_by_image(
                CollectionId="staff", Image={"Bytes": image}, QualityFilter="LOW"
            )
    assert resp["UserMatches"] == []
    assert "SearchedFace" not in resp
    assert [u["Reasons"] for u in resp["UnsearchedFaces"]] == [
        ["LOW_SHARPNESS", "LOW_FACE_QUALITY"]
    ]
    assert error_of(exc)[1] == "There are no faces in the image. Should be at least 1."


def test_user_match_threshold_is_inclusive_and_pinned_similarity_is_honoured() -> None:
    image = rekostub.face_image({"identity": "alice", "similarity": 70})
    c = client()
    with rekostub.stub(fixture=STAFF):
        default = c.search_users_by_image(CollectionId="staff", Image={"Bytes": image})
        low = c.search_users_by_image(
            CollectionId="staff", Image={"Bytes": image}, UserMatchThreshold=60
        )
        exact = low["UserMatches"][0]["Similarity"]
        at = c.search_users_by_image(
            CollectionId="staff", Image={"Bytes": image}, UserMatchThreshold=exact
        )
    assert default["UserMatches"] == []
    assert [m["User"]["UserId"] for m in low["UserMatches"]] == ["alice"]
    assert exact == pytest.approx(70, abs=0.1)
    assert [m["Similarity"] for m in at["UserMatches"]] == [exact]


def test_max_users_and_order() -> None:
    image = rekostub.face_image("alice")
    c = client()
    with rekostub.stub(fixture=STAFF):
        all_users = c.search_users_by_image(
            CollectionId="staff", Image={"Bytes": image}, UserMatchThreshold=0
        )
        two = c.search_users_by_image(
            CollectionId="staff", Image={"Bytes": image}, UserMatchThreshold=0, MaxUsers=2
        )
    sims = [m["Similarity"] for m in all_users["UserMatches"]]
    assert sims == sorted(sims, reverse=True)
    assert all_users["UserMatches"][0]["User"]["UserId"] == "alice"
    assert two["UserMatches"] == all_users["UserMatches"][:2]


def test_updating_users_are_matched_with_their_status() -> None:
    c = client()
    with rekostub.stub(fixture=STAFF) as fake:
        fake.updating_seconds = 60
        c.associate_faces(CollectionId="staff", UserId="alice", FaceIds=[LOOSE_ALICE])
        resp = c.search_users_by_image(
            CollectionId="staff", Image={"Bytes": rekostub.face_image("alice")}
        )
    assert resp["UserMatches"][0]["User"] == {"UserId": "alice", "UserStatus": "UPDATING"}


def test_the_same_image_gives_the_same_answer() -> None:
    image = rekostub.face_image({"identity": "alice", "similarity": 85}, "bob")
    c = client()
    with rekostub.stub(fixture=STAFF):
        first = c.search_users_by_image(CollectionId="staff", Image={"Bytes": image})
        second = c.search_users_by_image(CollectionId="staff", Image={"Bytes": image})
    with rekostub.stub(fixture=STAFF):
        third = c.search_users_by_image(CollectionId="staff", Image={"Bytes": image})
    for resp in (second, third):
        assert resp["UserMatches"] == first["UserMatches"]
        assert resp["SearchedFace"] == first["SearchedFace"]


@pytest.mark.parametrize("operation", ["search_users_by_image", "search_faces_by_image"])
def test_unknown_collection(operation: str) -> None:
    c = client()
    with rekostub.stub(fixture=STAFF), pytest.raises(c.exceptions.ResourceNotFoundException) as exc:
        getattr(c, operation)(CollectionId="nope", Image={"Bytes": rekostub.face_image("alice")})
    assert error_of(exc) == ("ResourceNotFoundException", "The collection id: nope does not exist")


@pytest.mark.parametrize("operation", ["search_users_by_image", "search_faces_by_image"])
def test_image_format_errors(operation: str) -> None:
    c = client()
    with (
        rekostub.stub(fixture=STAFF),
        pytest.raises(c.exceptions.InvalidImageFormatException) as exc,
    ):
        getattr(c, operation)(CollectionId="staff", Image={"Bytes": b"BM not a bitmap we read"})
    assert error_of(exc) == ("InvalidImageFormatException", "Request has invalid image format.")


# -- SearchFacesByImage ------------------------------------------------------------------------


def test_search_faces_by_image_returns_face_records() -> None:
    image = rekostub.face_image("alice", "bob")
    c = client()
    with rekostub.stub(fixture=STAFF):
        resp = c.search_faces_by_image(CollectionId="staff", Image={"Bytes": image})
        detail = c.detect_faces(Image={"Bytes": image})["FaceDetails"][0]
        listed = {f["FaceId"]: f for f in c.list_faces(CollectionId="staff")["Faces"]}
    assert valid("SearchFacesByImage", resp) == []
    assert resp["SearchedFaceBoundingBox"] == detail["BoundingBox"]
    assert resp["SearchedFaceConfidence"] == detail["Confidence"]
    assert resp["FaceModelVersion"] == "7.0"
    matches = resp["FaceMatches"]
    assert {m["Face"]["FaceId"] for m in matches} == {ALICE_1, ALICE_2, LOOSE_ALICE}
    sims = [m["Similarity"] for m in matches]
    assert sims == sorted(sims, reverse=True)
    assert min(sims) > 99.9
    for match in matches:
        assert match["Face"] == listed[match["Face"]["FaceId"]]
    assert matches[0]["Face"].get("UserId") in ("alice", None)


def test_search_faces_by_image_without_a_face_is_invalid_parameter() -> None:
    c = client()
    with rekostub.stub(fixture=STAFF) as fake:
        with pytest.raises(c.exceptions.InvalidParameterException) as exc:
            c.search_faces_by_image(CollectionId="staff", Image={"Bytes": rekostub.face_image()})
        assert fake.calls[-1].error is not None
    assert error_of(exc) == (
        "InvalidParameterException",
        "There are no faces in the image. Should be at least 1.",
    )
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_face_match_threshold_and_max_faces() -> None:
    image = rekostub.face_image({"identity": "alice", "similarity": 75})
    c = client()
    with rekostub.stub(fixture=STAFF):
        default = c.search_faces_by_image(CollectionId="staff", Image={"Bytes": image})
        low = c.search_faces_by_image(
            CollectionId="staff", Image={"Bytes": image}, FaceMatchThreshold=70
        )
        one = c.search_faces_by_image(
            CollectionId="staff", Image={"Bytes": image}, FaceMatchThreshold=70, MaxFaces=1
        )
        lowest = min(m["Similarity"] for m in low["FaceMatches"])
        at = c.search_faces_by_image(
            CollectionId="staff", Image={"Bytes": image}, FaceMatchThreshold=lowest
        )
    assert default["FaceMatches"] == []
    assert len(low["FaceMatches"]) == 3
    assert all(m["Similarity"] == pytest.approx(75, abs=0.1) for m in low["FaceMatches"])
    assert one["FaceMatches"] == low["FaceMatches"][:1]
    assert at["FaceMatches"] == low["FaceMatches"]  # inclusive


def test_search_faces_by_image_in_an_empty_collection() -> None:
    c = client()
    with rekostub.stub(fixture=STAFF):
        resp = c.search_faces_by_image(
            CollectionId="empty", Image={"Bytes": rekostub.face_image("alice")}
        )
    assert resp["FaceMatches"] == []
    assert valid("SearchFacesByImage", resp) == []
