"""Collections belong to a region of the fake's account: each client sees its region's only."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from conftest import error_of

import rekostub
from rekostub import FixtureError, load_fixture

TWO_REGIONS: dict[str, Any] = {
    "region": "eu-west-1",
    "collections": {
        "staff": {"users": {"alice": {"faces": [{"identity": "alice"}]}}},
        "staff-east": {
            "collection_id": "staff",
            "region": "us-east-1",
            "faces": [{"identity": "bob"}, {"identity": "bob"}],
        },
        "only-east": {"region": "us-east-1"},
    },
}


def client(region: str) -> Any:
    return boto3.client("rekognition", region_name=region)


def test_a_client_sees_only_its_regions_collections() -> None:
    with rekostub.stub(fixture=TWO_REGIONS):
        east, west, other = client("us-east-1"), client("eu-west-1"), client("ap-south-1")
        assert east.list_collections()["CollectionIds"] == ["only-east", "staff"]
        assert west.list_collections()["CollectionIds"] == ["staff"]
        assert other.list_collections()["CollectionIds"] == []
        assert east.describe_collection(CollectionId="staff")["FaceCount"] == 2
        assert west.describe_collection(CollectionId="staff")["FaceCount"] == 1
        arn = west.describe_collection(CollectionId="staff")["CollectionARN"]
        assert ":eu-west-1:" in arn


def test_the_same_id_in_two_regions_via_the_api() -> None:
    with rekostub.stub():
        east, west = client("us-east-1"), client("us-west-2")
        east.create_collection(CollectionId="photos")
        west.create_collection(CollectionId="photos")  # no ResourceAlreadyExists
        east.create_user(CollectionId="photos", UserId="u")
        assert [u["UserId"] for u in east.list_users(CollectionId="photos")["Users"]] == ["u"]
        assert west.list_users(CollectionId="photos")["Users"] == []
        west.delete_collection(CollectionId="photos")
        assert east.list_collections()["CollectionIds"] == ["photos"]
        with pytest.raises(east.exceptions.ResourceAlreadyExistsException):
            east.create_collection(CollectionId="photos")


def test_a_miss_in_the_wrong_region_keeps_aws_text_and_says_where_in_the_call_log() -> None:
    with rekostub.stub(fixture=TWO_REGIONS) as fake:
        other = client("ap-south-1")
        with pytest.raises(other.exceptions.ResourceNotFoundException) as excinfo:
            other.list_faces(CollectionId="only-east")
        assert error_of(excinfo) == (
            "ResourceNotFoundException",
            "The collection id: only-east does not exist",
        )
        note = fake.calls[-1].error.hint  # type: ignore[union-attr]
        assert note is not None
        assert "us-east-1" in note
        assert "ap-south-1" in note
        with pytest.raises(other.exceptions.ResourceNotFoundException):
            other.list_faces(CollectionId="nowhere")
        assert fake.calls[-1].error.hint is None  # type: ignore[union-attr]


def test_snapshot_keeps_regions() -> None:
    fake = rekostub.FakeRekognition(TWO_REGIONS)
    again = rekostub.FakeRekognition(fake.snapshot())
    with rekostub.stub(fake=again):
        assert client("us-east-1").list_collections()["CollectionIds"] == ["only-east", "staff"]
        assert client("eu-west-1").describe_collection(CollectionId="staff")["UserCount"] == 1


def test_fixture_region_errors() -> None:
    with pytest.raises(FixtureError) as excinfo:
        load_fixture({"region": "Virginia"})
    assert "'Virginia' is not an AWS region name" in str(excinfo.value)
    twice = {
        "collections": {
            "a": {"collection_id": "x"},
            "b": {"collection_id": "x"},
        }
    }
    with pytest.raises(FixtureError) as excinfo:
        load_fixture(twice)
    assert "collection 'x' is defined twice in region 'us-east-1'" in str(excinfo.value)
