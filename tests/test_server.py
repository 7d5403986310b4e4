"""Server mode from Python: boto3 pointed at ``rekostub.serve`` gets what the hook answers."""

from __future__ import annotations

import contextlib
import http.client
import json
from pathlib import Path
from typing import Any, Callable

import boto3
import pytest
from botocore import UNSIGNED
from botocore.exceptions import ClientError
from conftest import ALICE_1, BOB_1, STAFF, ClientFactory, error_of
from server_support import post, server_client

import rekostub

# Requests whose answers do not depend on time or randomness, errors included.
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("search_users", {"CollectionId": "staff", "FaceId": ALICE_1}),
    ("search_users", {"CollectionId": "staff", "UserId": "bob", "UserMatchThreshold": 0}),
    ("search_faces", {"CollectionId": "staff", "FaceId": BOB_1}),
    ("list_users", {"CollectionId": "staff", "MaxResults": 2}),
    ("list_collections", {}),
    ("search_users", {"CollectionId": "nope", "FaceId": ALICE_1}),  # ResourceNotFound
    ("search_users", {"CollectionId": "staff", "UserId": "x", "MaxUsers": 9999}),  # validation
    ("search_users", {"CollectionId": "staff"}),  # neither FaceId nor UserId
    ("delete_user", {"CollectionId": "staff", "UserId": "dave"}),
    ("list_users", {"CollectionId": "staff"}),
]


def raw_answers(c: Any) -> list[tuple[int, list[str], dict[str, Any]]]:
    """Run CALLS on ``c``; each raw answer as (status, header names, body without Logref)."""
    seen: list[tuple[int, list[str], dict[str, Any]]] = []

    def record(response_dict: Any = None, **_: Any) -> None:
        if response_dict is None:  # no HTTP answer (an exception before one)
            return
        body = json.loads(response_dict["body"] or b"{}")  # DeleteUser: an empty body
        body.pop("Logref", None)
        names = sorted(k.lower() for k in response_dict["headers"] if k.lower() != "connection")
        seen.append((response_dict["status_code"], names, body))

    # response-received: in every botocore rekostub supports (before-parse is newer)
    c.meta.events.register("response-received.rekognition.*", record)
    for method, params in CALLS:
        with contextlib.suppress(ClientError):
            getattr(c, method)(**params)
    return seen


def test_the_server_answers_exactly_as_the_in_process_hook(client: ClientFactory) -> None:
    with rekostub.stub(fixture=STAFF):
        in_process = raw_answers(client(parameter_validation=False, retries={"max_attempts": 1}))
    with rekostub.serve(fixture=STAFF) as server:
        served = raw_answers(server_client(server, parameter_validation=False))
    assert len(served) == len(CALLS)
    assert served == in_process
    statuses = [status for status, _, _ in served]
    assert statuses.count(400) == 3  # the errors are there, as errors
    assert served[0][1] == ["content-length", "content-type", "date", "x-amzn-requestid"]


def test_errors_reach_boto3_as_the_modeled_exceptions() -> None:
    with rekostub.serve(fixture=STAFF) as server:
        c = server_client(server)
        with pytest.raises(c.exceptions.ResourceNotFoundException) as exc:
            c.search_users(CollectionId="nope", UserId="alice")
        assert error_of(exc) == (
            "ResourceNotFoundException",
            "The collection id: nope does not exist",
        )
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize(
    ("make", "region"),
    [
        (lambda s: server_client(s, region="eu-west-1"), "eu-west-1"),
        (lambda s: server_client(s, region="ap-southeast-2"), "ap-southeast-2"),
        (lambda s: server_client(s, region="eu-west-1", signature_version=UNSIGNED), "us-east-1"),
    ],
    ids=["eu-west-1", "ap-southeast-2", "unsigned"],
)
def test_the_region_comes_from_the_sigv4_scope(
    make: Callable[[rekostub.Server], Any], region: str
) -> None:
    with rekostub.serve(fixture=STAFF) as server:
        arn = make(server).create_collection(CollectionId="here")["CollectionArn"]
        assert arn.startswith(f"aws:rekognition:{region}:")  # the service omits "arn:"
        (call,) = server.fake.calls.of("CreateCollection")
        assert call.region == region


def test_server_fake_is_the_state_the_clients_see() -> None:
    with rekostub.serve(fixture=STAFF) as server:
        assert server.url == f"http://127.0.0.1:{server.port}"
        c = server_client(server)
        c.create_user(CollectionId="staff", UserId="erin")
        server.fake.calls.assert_called_with("CreateUser", UserId="erin")
        assert "erin" in server.fake.snapshot()["collections"]["staff"]["users"]
        server.fake.fail("ListUsers", "ThrottlingException")
        with pytest.raises(ClientError) as exc:
            c.list_users(CollectionId="staff")
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
        assert error_of(exc)[0] == "ThrottlingException"


def test_a_fake_can_be_served_and_stubbed_at_once(client: ClientFactory) -> None:
    fake = rekostub.FakeRekognition(STAFF)
    with rekostub.serve(fake=fake) as server, rekostub.stub(fake=fake):
        client().create_user(CollectionId="staff", UserId="erin")  # answered in process
        # what another program sees over HTTP: the same state
        status, _, body = post(
            server,
            json.dumps({"CollectionId": "staff"}).encode(),
            target="RekognitionService.ListUsers",
        )
    assert status == 200
    assert "erin" in [u["UserId"] for u in json.loads(body)["Users"]]


def test_stopping_closes_the_port_and_open_connections() -> None:
    server = rekostub.serve(fixture=STAFF)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/_rekostub/")
    assert conn.getresponse().read()  # a keep-alive connection, left open
    server.stop()
    server.stop()  # idempotent
    conn.request("GET", "/_rekostub/")  # the request goes into the socket buffer...
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        conn.getresponse()  # ...and nobody answers: the server hung up
    conn.close()
    with pytest.raises(ConnectionRefusedError):
        post(server, b"{}")
    assert "stopped" in repr(server)


def test_an_operation_not_emulated_is_an_error_answer_naming_the_fix() -> None:
    with rekostub.serve(fixture=STAFF) as server:
        c = server_client(server)
        image = {"S3Object": {"Bucket": "bucket", "Name": "n.png"}}
        with pytest.raises(ClientError) as exc:
            c.detect_labels(Image=image)
        code, message = error_of(exc)
        assert code == "NotEmulatedError"
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
        assert "add_response" in message
        server.control.add_response("DetectLabels", {"Labels": [{"Name": "Cat"}]})
        assert c.detect_labels(Image=image)["Labels"] == [{"Name": "Cat"}]
        c.list_collections()  # still serving


def test_state_file_survives_a_restart_and_reset_returns_to_the_fixture(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with rekostub.serve(fixture=STAFF, state=state) as server:
        c = server_client(server)
        c.create_collection(CollectionId="added")
        c.delete_user(CollectionId="staff", UserId="dave")
    assert set(json.loads(state.read_text())["collections"]) == {"added", "staff"}
    with rekostub.serve(fixture=STAFF, state=state) as server:
        c = server_client(server)
        assert c.list_collections()["CollectionIds"] == ["added", "staff"]  # sorted by id
        users = [u["UserId"] for u in c.list_users(CollectionId="staff")["Users"]]
        assert "dave" not in users
        assert c.search_users(CollectionId="staff", FaceId=ALICE_1)["UserMatches"][0]["User"] == {
            "UserId": "alice",
            "UserStatus": "ACTIVE",
        }
        server.control.reset()
        assert c.list_collections()["CollectionIds"] == ["staff"]
    assert set(json.loads(state.read_text())["collections"]) == {"staff"}


def test_pytest_fixture_gives_a_running_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import http.client, json
        import pytest

        def test_alone(rekostub_server):
            assert rekostub_server.url.startswith("http://127.0.0.1:")
            conn = http.client.HTTPConnection("127.0.0.1", rekostub_server.port)
            conn.request("POST", "/", body=b"{}", headers={
                "X-Amz-Target": "RekognitionService.ListCollections"})
            assert json.loads(conn.getresponse().read()) == {
                "CollectionIds": [], "FaceModelVersions": []}
            conn.close()
            assert rekostub_server.fake.calls.of("ListCollections")

        @pytest.mark.rekostub(fixture={"collections": {"team": {}}})
        def test_with_the_marker(rekostub_server, fake_rekognition):
            assert rekostub_server.fake is fake_rekognition
            assert rekostub_server.control.snapshot()["collections"] == {
                "team": {"face_model_version": "7.0", "users": {}, "faces": []}}
        """
    )
    result = pytester.runpytest("-p", "no:rekostub", "-p", "rekostub._entry.pytest_plugin", "-q")
    result.assert_outcomes(passed=2)


def test_faces_indexed_from_images_are_still_found_after_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with rekostub.serve(state=state) as server:
        c = server_client(server)
        c.create_collection(CollectionId="dev")
        indexed = c.index_faces(CollectionId="dev", Image={"Bytes": rekostub.face_image("ada")})
        face_id = indexed["FaceRecords"][0]["Face"]["FaceId"]
        c.create_user(CollectionId="dev", UserId="ada")
        c.associate_faces(CollectionId="dev", UserId="ada", FaceIds=[face_id])
    with rekostub.serve(state=state) as server:
        another_photo = rekostub.face_image("ada", size=(400, 300))
        found = server_client(server).search_users_by_image(
            CollectionId="dev", Image={"Bytes": another_photo}
        )
    assert [m["User"]["UserId"] for m in found["UserMatches"]] == ["ada"]


def test_the_endpoint_can_come_from_aws_endpoint_url_rekognition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with rekostub.serve(fixture=STAFF) as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL_REKOGNITION", server.url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        c = boto3.session.Session().client("rekognition", region_name="sa-east-1")
        assert c.meta.endpoint_url == server.url
        # the fixture's collections are in us-east-1: a sa-east-1 client sees none of them
        assert c.list_collections()["CollectionIds"] == []
        (call,) = server.fake.calls
    assert (call.operation, call.region) == ("ListCollections", "sa-east-1")
