"""ListFaces (records and filters) and DeleteFaces through boto3."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import error_of

import rekostub

ALICE_1 = "a11ce000-0000-4000-8000-000000000001"
ALICE_2 = "a11ce000-0000-4000-8000-000000000002"
BOB_1 = "b0b00000-0000-4000-8000-000000000001"
LOOSE_1 = "10000000-0000-4000-8000-000000000001"
LOOSE_2 = "10000000-0000-4000-8000-000000000002"
IMAGE_1 = "1ac00000-0000-4000-8000-000000000001"
UNKNOWN = "deadbeef-0000-4000-8000-000000000000"

FIXTURE: dict[str, Any] = {
    "collections": {
        "staff": {
            "users": {
                "alice": {"faces": [{"face_id": ALICE_1}, {"face_id": ALICE_2}]},
                "bob": {"faces": [{"face_id": BOB_1}]},
                "dave": {},
            },
            "faces": [
                {
                    "face_id": LOOSE_1,
                    "identity": "carol",
                    "image_id": IMAGE_1,
                    "external_image_id": "carol.jpg",
                },
                {"face_id": LOOSE_2, "identity": "carol"},
            ],
        },
        "legacy": {
            "face_model_version": "6.0",
            "faces": [{"face_id": LOOSE_1, "identity": "carol"}],
        },
    }
}
ALL_STAFF = [ALICE_1, ALICE_2, BOB_1, LOOSE_1, LOOSE_2]


def client() -> Any:
    return boto3.client("rekognition", region_name="us-east-1")


def face_ids(resp: dict[str, Any]) -> list[str]:
    return [f["FaceId"] for f in resp["Faces"]]


# -- ListFaces records ---------------------------------------------------------------------------


def test_list_faces_records_carry_the_face_members() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        resp = c.list_faces(CollectionId="staff")
    assert resp["FaceModelVersion"] == "7.0"
    assert "NextToken" not in resp
    by_id = {f["FaceId"]: f for f in resp["Faces"]}
    assert list(by_id) == sorted(ALL_STAFF)  # ListFaces is sorted by FaceId
    carol = by_id[LOOSE_1]
    assert set(carol) == {
        "FaceId",
        "BoundingBox",
        "ImageId",
        "ExternalImageId",
        "Confidence",
        "IndexFacesModelVersion",
    }
    assert carol["ImageId"] == IMAGE_1
    assert carol["ExternalImageId"] == "carol.jpg"
    assert carol["IndexFacesModelVersion"] == "7.0"
    assert 0 < carol["Confidence"] <= 100
    # Only set members appear: no ExternalImageId unless given, UserId only on a user's faces.
    assert "ExternalImageId" not in by_id[LOOSE_2]
    assert "UserId" not in by_id[LOOSE_2]
    assert by_id[ALICE_1]["UserId"] == "alice"
    assert by_id[ALICE_2]["UserId"] == "alice"
    assert by_id[BOB_1]["UserId"] == "bob"


def test_bounding_boxes_are_plausible_and_deterministic() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        first = c.list_faces(CollectionId="staff")["Faces"]
    with rekostub.stub(fixture=FIXTURE):
        second = c.list_faces(CollectionId="staff")["Faces"]
        legacy = c.list_faces(CollectionId="legacy")["Faces"]
    assert [f["BoundingBox"] for f in first] == [f["BoundingBox"] for f in second]
    # Same FaceId, same box, in whichever collection.
    assert (
        legacy[0]["BoundingBox"] == next(f for f in first if f["FaceId"] == LOOSE_1)["BoundingBox"]
    )
    boxes = [f["BoundingBox"] for f in first]
    assert len({tuple(sorted(b.items())) for b in boxes}) == len(boxes)  # not all the same
    for box in boxes:
        assert set(box) == {"Width", "Height", "Left", "Top"}
        assert 0 < box["Width"] <= 1
        assert 0 < box["Height"] <= 1
        assert 0 <= box["Left"] <= 1 - box["Width"] + 1e-6
        assert 0 <= box["Top"] <= 1 - box["Height"] + 1e-6


def test_list_faces_reports_the_collections_model_version() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        resp = c.list_faces(CollectionId="legacy")
    assert resp["FaceModelVersion"] == "6.0"
    assert [f["IndexFacesModelVersion"] for f in resp["Faces"]] == ["6.0"]


def test_list_faces_of_an_empty_collection() -> None:
    c = client()
    with rekostub.stub():
        c.create_collection(CollectionId="empty")
        resp = c.list_faces(CollectionId="empty")
    assert resp["Faces"] == []
    assert resp["FaceModelVersion"] == "7.0"
    assert "NextToken" not in resp


def test_list_faces_missing_collection() -> None:
    c = client()
    with (
        rekostub.stub(fixture=FIXTURE),
        pytest.raises(c.exceptions.ResourceNotFoundException) as exc,
    ):
        c.list_faces(CollectionId="nope")
    assert error_of(exc) == ("ResourceNotFoundException", "The collection id: nope does not exist")


# -- ListFaces filters ---------------------------------------------------------------------------


def test_list_faces_by_user() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        alice = c.list_faces(CollectionId="staff", UserId="alice")
        bob = c.list_faces(CollectionId="staff", UserId="bob")
        dave = c.list_faces(CollectionId="staff", UserId="dave")
    assert face_ids(alice) == [ALICE_1, ALICE_2]
    assert {f["UserId"] for f in alice["Faces"]} == {"alice"}
    assert face_ids(bob) == [BOB_1]
    assert dave["Faces"] == []  # a user without faces (CREATED)
    assert alice["FaceModelVersion"] == "7.0"


def test_list_faces_by_unknown_user_is_resource_not_found() -> None:
    c = client()
    with (
        rekostub.stub(fixture=FIXTURE),
        pytest.raises(c.exceptions.ResourceNotFoundException) as exc,
    ):
        c.list_faces(CollectionId="staff", UserId="Alice")
    assert error_of(exc) == (
        "ResourceNotFoundException",
        "The user id: Alice does not exist in the collection: staff",
    )


def test_list_faces_by_face_ids_keeps_existing_ones_by_face_id() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        resp = c.list_faces(CollectionId="staff", FaceIds=[LOOSE_2, UNKNOWN, ALICE_1, LOOSE_2])
        none = c.list_faces(CollectionId="staff", FaceIds=[UNKNOWN])
    assert face_ids(resp) == [LOOSE_2, ALICE_1]  # by FaceId
    assert none["Faces"] == []
    assert "NextToken" not in resp


def test_list_faces_by_user_and_face_ids_intersects() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        resp = c.list_faces(CollectionId="staff", UserId="alice", FaceIds=[ALICE_2, BOB_1, LOOSE_1])
    assert face_ids(resp) == [ALICE_2]


def test_list_faces_by_user_follows_associations() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        c.associate_faces(CollectionId="staff", UserId="dave", FaceIds=[LOOSE_1, LOOSE_2])
        dave = c.list_faces(CollectionId="staff", UserId="dave")
        c.delete_user(CollectionId="staff", UserId="alice")
        unowned = c.list_faces(CollectionId="staff", FaceIds=[ALICE_1, ALICE_2])
    assert face_ids(dave) == [LOOSE_1, LOOSE_2]
    assert [f["UserId"] for f in dave["Faces"]] == ["dave", "dave"]
    assert face_ids(unowned) == [ALICE_1, ALICE_2]
    assert all("UserId" not in f for f in unowned["Faces"])


# -- DeleteFaces ---------------------------------------------------------------------------------


def test_delete_faces_deletes_unassociated_faces() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        resp = c.delete_faces(CollectionId="staff", FaceIds=[LOOSE_2, LOOSE_1])
        left = face_ids(c.list_faces(CollectionId="staff"))
        count = c.describe_collection(CollectionId="staff")["FaceCount"]
        legacy = face_ids(c.list_faces(CollectionId="legacy"))
    assert resp["DeletedFaces"] == [LOOSE_2, LOOSE_1]
    assert resp["UnsuccessfulFaceDeletions"] == []
    assert left == [ALICE_1, ALICE_2, BOB_1]
    assert count == 3
    assert legacy == [LOOSE_1]  # the same FaceId in another collection is untouched


def test_delete_faces_reports_associated_and_unknown_faces() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        resp = c.delete_faces(CollectionId="staff", FaceIds=[ALICE_1, UNKNOWN, LOOSE_1, BOB_1])
        left = face_ids(c.list_faces(CollectionId="staff"))
        alice = face_ids(c.list_faces(CollectionId="staff", UserId="alice"))
    assert resp["DeletedFaces"] == [LOOSE_1]
    assert resp["UnsuccessfulFaceDeletions"] == [
        {"FaceId": ALICE_1, "UserId": "alice", "Reasons": ["ASSOCIATED_TO_AN_EXISTING_USER"]},
        {"FaceId": UNKNOWN, "Reasons": ["FACE_NOT_FOUND"]},
        {"FaceId": BOB_1, "UserId": "bob", "Reasons": ["ASSOCIATED_TO_AN_EXISTING_USER"]},
    ]
    assert left == [LOOSE_2, ALICE_1, ALICE_2, BOB_1]  # by FaceId
    assert alice == [ALICE_1, ALICE_2]


def test_delete_faces_nothing_deleted() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        resp = c.delete_faces(CollectionId="staff", FaceIds=[UNKNOWN])
        count = c.describe_collection(CollectionId="staff")["FaceCount"]
    assert resp["DeletedFaces"] == []
    assert resp["UnsuccessfulFaceDeletions"] == [{"FaceId": UNKNOWN, "Reasons": ["FACE_NOT_FOUND"]}]
    assert count == 5


def test_delete_faces_repeated_id_is_answered_once() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        resp = c.delete_faces(CollectionId="staff", FaceIds=[LOOSE_1, LOOSE_1, UNKNOWN, UNKNOWN])
    assert resp["DeletedFaces"] == [LOOSE_1]
    assert resp["UnsuccessfulFaceDeletions"] == [{"FaceId": UNKNOWN, "Reasons": ["FACE_NOT_FOUND"]}]


def test_deleting_again_is_face_not_found() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        c.delete_faces(CollectionId="staff", FaceIds=[LOOSE_1])
        again = c.delete_faces(CollectionId="staff", FaceIds=[LOOSE_1])
    assert again["DeletedFaces"] == []
    assert again["UnsuccessfulFaceDeletions"] == [
        {"FaceId": LOOSE_1, "Reasons": ["FACE_NOT_FOUND"]}
    ]


def test_a_face_can_be_deleted_once_its_user_lets_go() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        c.disassociate_faces(CollectionId="staff", UserId="alice", FaceIds=[ALICE_2])
        c.delete_user(CollectionId="staff", UserId="bob")
        resp = c.delete_faces(CollectionId="staff", FaceIds=[ALICE_2, BOB_1, ALICE_1])
        described = c.describe_collection(CollectionId="staff")
    assert resp["DeletedFaces"] == [ALICE_2, BOB_1]
    assert resp["UnsuccessfulFaceDeletions"] == [
        {"FaceId": ALICE_1, "UserId": "alice", "Reasons": ["ASSOCIATED_TO_AN_EXISTING_USER"]}
    ]
    assert (described["FaceCount"], described["UserCount"]) == (3, 2)


def test_delete_faces_missing_collection_changes_nothing() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        with pytest.raises(c.exceptions.ResourceNotFoundException) as exc:
            c.delete_faces(CollectionId="Staff", FaceIds=[LOOSE_1])
        count = c.describe_collection(CollectionId="staff")["FaceCount"]
    assert error_of(exc) == ("ResourceNotFoundException", "The collection id: Staff does not exist")
    assert count == 5


def test_delete_faces_with_a_malformed_id_deletes_nothing() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        with pytest.raises(ClientError) as exc:
            c.delete_faces(CollectionId="staff", FaceIds=[LOOSE_1, "NOT-A-FACE-ID"])
        count = c.describe_collection(CollectionId="staff")["FaceCount"]
    code, message = error_of(exc)
    assert code == "ValidationException"
    assert "faceIds" in message
    assert count == 5


# -- deletions seen by the searches --------------------------------------------------------------


def test_deleted_face_is_unknown_to_search_users() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        assert c.search_users(CollectionId="staff", FaceId=LOOSE_1)["SearchedFace"] == {
            "FaceId": LOOSE_1
        }
        c.delete_faces(CollectionId="staff", FaceIds=[LOOSE_1])
        with pytest.raises(c.exceptions.InvalidParameterException) as exc:
            c.search_users(CollectionId="staff", FaceId=LOOSE_1)
    assert error_of(exc) == ("InvalidParameterException", "faceId was not found in the collection.")


def test_deleted_face_is_no_longer_matched() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        before = c.search_faces(CollectionId="staff", FaceId=LOOSE_2)["FaceMatches"]
        c.delete_faces(CollectionId="staff", FaceIds=[LOOSE_1])
        after = c.search_faces(CollectionId="staff", FaceId=LOOSE_2)["FaceMatches"]
    assert [m["Face"]["FaceId"] for m in before] == [LOOSE_1]
    assert after == []
