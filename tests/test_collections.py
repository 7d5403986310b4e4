"""CreateCollection, DescribeCollection, ListCollections, DeleteCollection through boto3."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import error_of

import rekostub

FACE_A = "aaaaaaaa-0000-4000-8000-000000000001"
FACE_B = "aaaaaaaa-0000-4000-8000-000000000002"
FACE_C = "aaaaaaaa-0000-4000-8000-000000000003"

FIXTURE: dict[str, Any] = {
    "collections": {
        "staff": {
            "users": {
                "alice": {"faces": [{"face_id": FACE_A}]},
                "dave": {},
            },
            "faces": [
                {"face_id": FACE_B, "identity": "bob"},
                {"face_id": FACE_C, "identity": "carol"},
            ],
        },
        "legacy": {"face_model_version": "6.0"},
    }
}


def client(region: str = "us-east-1") -> Any:
    return boto3.client("rekognition", region_name=region)


# -- CreateCollection ----------------------------------------------------------------------------


def test_create_collection_answers_status_arn_and_model_version() -> None:
    c = client()
    with rekostub.stub():
        resp = c.create_collection(CollectionId="myphotos")
    assert resp["StatusCode"] == 200
    assert resp["CollectionArn"] == "aws:rekognition:us-east-1:123456789012:collection/myphotos"
    assert resp["FaceModelVersion"] == "7.0"


def test_arn_uses_the_clients_region_and_the_fakes_account() -> None:
    c = client("eu-west-1")
    with rekostub.stub() as fake:
        fake.account_id = "210987654321"
        resp = c.create_collection(CollectionId="photos")
        described = c.describe_collection(CollectionId="photos")
    # CreateCollection prints the ARN without "arn:", DescribeCollection with it (AWS CLI).
    expected = "aws:rekognition:eu-west-1:210987654321:collection/photos"
    assert resp["CollectionArn"] == expected
    assert described["CollectionARN"] == "arn:" + expected


def test_existing_collection_id_is_resource_already_exists() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        with pytest.raises(c.exceptions.ResourceAlreadyExistsException) as exc:
            c.create_collection(CollectionId="staff")
        after = c.describe_collection(CollectionId="staff")
    assert error_of(exc) == (
        "ResourceAlreadyExistsException",
        "The collection id: staff already exists.",
    )
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # The rejected request changed nothing: the existing collection keeps its faces and users.
    assert (after["FaceCount"], after["UserCount"]) == (3, 2)


def test_collection_ids_are_case_sensitive() -> None:
    c = client()
    with rekostub.stub():
        c.create_collection(CollectionId="Photos")
        c.create_collection(CollectionId="photos")
        c.create_collection(CollectionId="PHOTOS")
        listed = c.list_collections()["CollectionIds"]
        with pytest.raises(c.exceptions.ResourceNotFoundException):
            c.describe_collection(CollectionId="pHotos")
    assert listed == ["PHOTOS", "Photos", "photos"]  # sorted by id


def test_tags_are_accepted_and_stored() -> None:
    c = client()
    with rekostub.stub() as fake:
        resp = c.create_collection(CollectionId="tagged", Tags={"team": "search", "env": "test"})
        c.create_collection(CollectionId="untagged")
        stored = dict(fake.state.extras["collection_tags"])
        c.delete_collection(CollectionId="tagged")
        after_delete = dict(fake.state.extras["collection_tags"])
    assert resp["StatusCode"] == 200
    assert stored == {("us-east-1", "tagged"): {"team": "search", "env": "test"}}
    assert after_delete == {}


def test_invalid_collection_id_is_a_validation_exception() -> None:
    c = client()
    with rekostub.stub() as fake:
        with pytest.raises(ClientError) as exc:
            c.create_collection(CollectionId="no spaces allowed")
        listed = c.list_collections()["CollectionIds"]
    code, message = error_of(exc)
    assert code == "ValidationException"
    assert "collectionId" in message
    assert listed == []
    assert fake.calls[0].error is not None


# -- DescribeCollection --------------------------------------------------------------------------


def test_describe_collection_reports_counts_version_arn_and_creation_time() -> None:
    c = client()
    before = dt.datetime.now(dt.timezone.utc)
    with rekostub.stub():
        c.create_collection(CollectionId="fresh")
        resp = c.describe_collection(CollectionId="fresh")
    after = dt.datetime.now(dt.timezone.utc)
    assert resp["FaceCount"] == 0
    assert resp["UserCount"] == 0
    assert resp["FaceModelVersion"] == "7.0"
    assert resp["CollectionARN"] == "arn:aws:rekognition:us-east-1:123456789012:collection/fresh"
    created = resp["CreationTimestamp"]
    assert isinstance(created, dt.datetime)
    assert before - dt.timedelta(seconds=1) <= created <= after + dt.timedelta(seconds=1)


def test_describe_fixture_collection() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        staff = c.describe_collection(CollectionId="staff")
        legacy = c.describe_collection(CollectionId="legacy")
    assert (staff["FaceCount"], staff["UserCount"], staff["FaceModelVersion"]) == (3, 2, "7.0")
    assert (legacy["FaceCount"], legacy["UserCount"], legacy["FaceModelVersion"]) == (0, 0, "6.0")


def test_describe_counts_follow_changes_made_through_the_api() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        c.delete_faces(CollectionId="staff", FaceIds=[FACE_B])
        c.create_user(CollectionId="staff", UserId="erin")
        first = c.describe_collection(CollectionId="staff")
        c.delete_user(CollectionId="staff", UserId="alice")
        c.delete_faces(CollectionId="staff", FaceIds=[FACE_A, FACE_C])
        second = c.describe_collection(CollectionId="staff")
    assert (first["FaceCount"], first["UserCount"]) == (2, 3)
    assert (second["FaceCount"], second["UserCount"]) == (0, 2)


def test_describe_missing_collection() -> None:
    c = client()
    with (
        rekostub.stub(fixture=FIXTURE),
        pytest.raises(c.exceptions.ResourceNotFoundException) as exc,
    ):
        c.describe_collection(CollectionId="Staff")
    assert error_of(exc) == ("ResourceNotFoundException", "The collection id: Staff does not exist")


# -- DeleteCollection ----------------------------------------------------------------------------


def test_delete_collection_removes_it_with_its_faces_and_users() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        resp = c.delete_collection(CollectionId="staff")
        listed = c.list_collections()["CollectionIds"]
        with pytest.raises(c.exceptions.ResourceNotFoundException) as exc:
            c.list_faces(CollectionId="staff")
        c.create_collection(CollectionId="staff")  # the id is free again, and starts empty
        recreated = c.describe_collection(CollectionId="staff")
        faces = c.list_faces(CollectionId="staff")["Faces"]
        users = c.list_users(CollectionId="staff")["Users"]
    assert resp["StatusCode"] == 200
    assert listed == ["legacy"]
    assert error_of(exc)[1] == "The collection id: staff does not exist"
    assert (recreated["FaceCount"], recreated["UserCount"]) == (0, 0)
    assert recreated["FaceModelVersion"] == "7.0"
    assert faces == []
    assert users == []


def test_delete_missing_collection() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        with pytest.raises(c.exceptions.ResourceNotFoundException) as exc:
            c.delete_collection(CollectionId="nope")
        listed = c.list_collections()["CollectionIds"]
    assert error_of(exc) == ("ResourceNotFoundException", "The collection id: nope does not exist")
    assert listed == ["legacy", "staff"]


def test_deleted_collection_is_gone_for_searches() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        c.delete_collection(CollectionId="staff")
        with pytest.raises(c.exceptions.ResourceNotFoundException):
            c.search_users(CollectionId="staff", UserId="alice")
        with pytest.raises(c.exceptions.ResourceNotFoundException):
            c.search_faces(CollectionId="staff", FaceId=FACE_B)


def test_fixture_changes_stay_in_one_fake() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        c.delete_collection(CollectionId="staff")
        c.create_collection(CollectionId="extra")
    with rekostub.stub(fixture=FIXTURE):
        listed = c.list_collections()["CollectionIds"]
        staff = c.describe_collection(CollectionId="staff")
    assert listed == ["legacy", "staff"]
    assert staff["FaceCount"] == 3


# -- ListCollections -----------------------------------------------------------------------------


def test_list_collections_parallel_lists_sorted_by_id() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        c.create_collection(CollectionId="zeta")
        c.create_collection(CollectionId="alpha")
        resp = c.list_collections()
    assert resp["CollectionIds"] == ["alpha", "legacy", "staff", "zeta"]
    assert resp["FaceModelVersions"] == ["7.0", "6.0", "7.0", "7.0"]
    assert "NextToken" not in resp


def test_list_collections_when_there_are_none() -> None:
    c = client()
    with rekostub.stub():
        resp = c.list_collections()
    assert resp["CollectionIds"] == []
    assert resp["FaceModelVersions"] == []
    assert "NextToken" not in resp


def test_list_collections_pages() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        c.create_collection(CollectionId="third")
        first = c.list_collections(MaxResults=2)
        second = c.list_collections(MaxResults=2, NextToken=first["NextToken"])
    assert first["CollectionIds"] == ["legacy", "staff"]
    assert first["FaceModelVersions"] == ["6.0", "7.0"]
    assert second["CollectionIds"] == ["third"]
    assert second["FaceModelVersions"] == ["7.0"]
    assert "NextToken" not in second


def test_list_collections_exact_last_page_has_no_token() -> None:
    c = client()
    with rekostub.stub(fixture=FIXTURE):
        resp = c.list_collections(MaxResults=2)
    assert resp["CollectionIds"] == ["legacy", "staff"]
    assert "NextToken" not in resp
