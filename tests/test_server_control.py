"""The control API under /_rekostub/, through its Python helper and as raw JSON."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError
from conftest import ALICE_1, STAFF, error_of, write_json
from server_support import post, server_client

import rekostub

TEAM: dict[str, Any] = {"collections": {"team": {"users": {"zoe": {}}}}}


@pytest.fixture
def server() -> Iterator[rekostub.Server]:
    with rekostub.serve(fixture=STAFF) as running:
        yield running


def users(c: Any, collection: str = "staff") -> list[str]:
    return [u["UserId"] for u in c.list_users(CollectionId=collection)["Users"]]


def test_reset_starts_over_from_the_fixture(server: rekostub.Server) -> None:
    c = server_client(server)
    c.create_user(CollectionId="staff", UserId="erin")
    c.create_collection(CollectionId="extra")
    server.control.fail("ListUsers", "ThrottlingException")
    server.control.reset()
    assert server.control.calls() == []
    assert sorted(users(c)) == ["alice", "bob", "carol", "dave"]  # and the fault is gone too
    assert c.list_collections()["CollectionIds"] == ["staff"]


def test_load_replaces_the_state_and_becomes_what_reset_returns_to(
    server: rekostub.Server, tmp_path: Path
) -> None:
    c = server_client(server)
    server.control.load(TEAM)
    assert c.list_collections()["CollectionIds"] == ["team"]
    c.create_user(CollectionId="team", UserId="yann")
    server.control.reset()
    assert users(c, "team") == ["zoe"]
    server.control.load(write_json(tmp_path / "staff.json", STAFF))
    assert c.list_collections()["CollectionIds"] == ["staff"]
    assert server.fake.calls.of("ListCollections")[-1].response is not None


def test_fail_injects_faults_with_times_and_message(server: rekostub.Server) -> None:
    c = server_client(server)
    server.control.fail("search_users", "ProvisionedThroughputExceededException", times=2)
    server.control.fail("SearchUsers", "AccessDeniedException", message="no, not you")
    for _ in range(2):
        with pytest.raises(ClientError) as exc:
            c.search_users(CollectionId="staff", UserId="alice")
        assert error_of(exc)[0] == "ProvisionedThroughputExceededException"
    with pytest.raises(ClientError) as exc:
        c.search_users(CollectionId="staff", UserId="alice")
    assert error_of(exc) == ("AccessDeniedException", "no, not you")
    found = c.search_users(CollectionId="staff", FaceId=ALICE_1)["UserMatches"]
    assert found[0]["User"]["UserId"] == "alice"


@pytest.mark.parametrize("fault", ["EndpointConnectionError", "ConnectionClosedError"])
def test_a_transport_fault_hangs_up_and_botocore_retries(
    server: rekostub.Server, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    monkeypatch.setattr(
        "botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0
    )
    c = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    ).client(
        "rekognition", endpoint_url=server.url, config=Config(retries={"mode": "standard"})
    )  # 3 attempts in all
    server.control.fail("ListUsers", fault, times=2)
    answer = c.list_users(CollectionId="staff")  # two hang-ups, then the answer
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    server.control.fail("ListUsers", fault, times=3)
    with pytest.raises(ConnectionClosedError):  # what botocore sees when a server hangs up
        c.list_users(CollectionId="staff")
    assert [call.error.status for call in server.fake.calls if call.error] == [0] * 5


def test_fail_refuses_a_code_the_operation_cannot_answer(server: rekostub.Server) -> None:
    with pytest.raises(rekostub.RekostubError, match="Did you mean 'ThrottlingException'"):
        server.control.fail("ListUsers", "ThrotlingException")


def test_calls_are_the_call_log_as_json(server: rekostub.Server) -> None:
    c = server_client(server, region="us-east-1")  # the fixture's region
    c.search_users(CollectionId="staff", FaceId=ALICE_1, MaxUsers=3)
    with pytest.raises(ClientError):
        c.search_users(CollectionId="nope", FaceId=ALICE_1)
    png = rekostub.face_image("alice")
    c.search_users_by_image(CollectionId="staff", Image={"Bytes": png})
    c.list_users(CollectionId="staff")

    every = server.control.calls()
    assert [call["operation"] for call in every] == [
        "SearchUsers",
        "SearchUsers",
        "SearchUsersByImage",
        "ListUsers",
    ]
    first, missing, by_image, _ = every
    assert first["params"] == {"CollectionId": "staff", "FaceId": ALICE_1, "MaxUsers": 3}
    assert first["region"] == "us-east-1"
    assert first["response"]["UserMatches"][0]["User"]["UserId"] == "alice"
    assert first["error"] is None
    assert missing["response"] is None
    assert missing["error"] == {
        "code": "ResourceNotFoundException",
        "message": "The collection id: nope does not exist",
        "status": 400,
        "hint": None,
    }
    assert base64.b64decode(by_image["params"]["Image"]["Bytes"]) == png  # blobs in base64
    assert server.control.calls("search_users") == every[:2]
    assert server.control.calls("SearchUsersByImage") == [by_image]
    server.control.clear_calls()
    assert server.control.calls() == []
    assert len(server.fake.calls) == 0


def test_snapshot_loads_back_to_the_same_answers(server: rekostub.Server) -> None:
    c = server_client(server)
    c.create_user(CollectionId="staff", UserId="erin")
    c.disassociate_faces(CollectionId="staff", UserId="alice", FaceIds=[ALICE_1])
    expected = c.search_users(CollectionId="staff", FaceId=ALICE_1, UserMatchThreshold=0)
    snapshot = server.control.snapshot()
    assert snapshot == json.loads(json.dumps(server.fake.snapshot()))
    server.control.load(TEAM)
    server.control.load(snapshot)
    again = c.search_users(CollectionId="staff", FaceId=ALICE_1, UserMatchThreshold=0)
    assert again["UserMatches"] == expected["UserMatches"]
    assert sorted(users(c)) == ["alice", "bob", "carol", "dave", "erin"]


def test_add_response_scripts_an_operation_not_emulated(server: rekostub.Server) -> None:
    server.control.add_response("DetectLabels", {"Labels": [{"Name": "Dog", "Confidence": 99}]})
    c = server_client(server)
    labels = c.detect_labels(Image={"S3Object": {"Bucket": "bucket", "Name": "dog.png"}})
    assert labels["Labels"] == [{"Name": "Dog", "Confidence": 99.0}]


def test_the_raw_api_is_json_and_lists_itself(server: rekostub.Server) -> None:
    status, headers, body = post(server, b"", target=None, path="/_rekostub/", method="GET")
    assert (status, headers["content-type"]) == (200, "application/json")
    index = json.loads(body)["control"]
    assert set(index) == {
        "/_rekostub/reset",
        "/_rekostub/fixture",
        "/_rekostub/fail",
        "/_rekostub/responses",
        "/_rekostub/calls",
        "/_rekostub/snapshot",
    }
    fail = json.dumps({"operation": "ListUsers", "code": "InternalServerError"}).encode()
    status, _, body = post(server, fail, target=None, path="/_rekostub/fail")
    assert (status, json.loads(body)) == (200, {"ok": True})
    status, _, body = post(
        server, b'{"CollectionId": "staff"}', target="RekognitionService.ListUsers"
    )
    assert (status, json.loads(body)["__type"]) == (500, "InternalServerError")


def test_a_control_client_for_a_server_elsewhere(server: rekostub.Server) -> None:
    control = rekostub.ServerControl(server.url + "/")
    control.load(TEAM)
    assert list(control.snapshot()["collections"]) == ["team"]


def test_reset_of_a_served_fake_returns_to_its_own_fixture_and_options() -> None:
    fake = rekostub.FakeRekognition(STAFF, account_id="999988887777")
    with rekostub.serve(fake=fake) as server:
        c = server_client(server)
        c.delete_collection(CollectionId="staff")
        server.control.reset()
        assert sorted(users(c)) == ["alice", "bob", "carol", "dave"]
        arn = c.create_collection(CollectionId="new")["CollectionArn"]
        assert ":999988887777:" in arn  # the constructor's account survives a reset
        server.control.load(TEAM)
        server.control.reset()
        assert c.list_collections()["CollectionIds"] == ["team"]


def test_calls_carry_rekostubs_hint_and_s3_images_survive_a_reset(server: rekostub.Server) -> None:
    c = server_client(server)
    s3_image = {"S3Object": {"Bucket": "photos", "Name": "alice.png"}}
    with pytest.raises(ClientError) as exc:
        c.search_users_by_image(CollectionId="staff", Image=s3_image)
    assert error_of(exc)[0] == "InvalidS3ObjectException"
    (call,) = server.control.calls()
    assert "s3://photos/alice.png" in call["error"]["hint"]

    photos = {("photos", "alice.png"): rekostub.face_image("alice")}
    server.fake.s3_images = lambda bucket, key, version: photos.get((bucket, key))
    server.control.reset()
    found = c.search_users_by_image(CollectionId="staff", Image=s3_image)
    assert found["UserMatches"][0]["User"]["UserId"] == "alice"


def test_a_bad_answer_from_a_scripted_callable_is_an_error_answer(
    server: rekostub.Server,
) -> None:
    server.fake.add_response("DetectLabels", lambda params: {"Labels": "not a list"})
    c = server_client(server)
    with pytest.raises(ClientError) as exc:
        c.detect_labels(Image={"S3Object": {"Bucket": "bucket", "Name": "dog.png"}})
    code, message = error_of(exc)
    assert code == "RekostubError"
    assert "not a valid DetectLabels response" in message
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert c.list_collections()["CollectionIds"] == ["staff"]
