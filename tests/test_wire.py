"""The wire: what botocore receives from the fake is what it would receive from Rekognition."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError
from conftest import ALICE_1, ClientFactory, error_of

import rekostub


def capture_raw(client: Any) -> list[dict[str, Any]]:
    """Record every raw HTTP answer (status, headers, body) botocore parsed for ``client``
    (``response-received``: in every botocore rekostub supports, unlike ``before-parse``)."""
    seen: list[dict[str, Any]] = []

    def record(response_dict: Any = None, **_: Any) -> None:
        if response_dict is None:  # no HTTP answer (an exception before one)
            return
        seen.append(
            {
                "status": response_dict["status_code"],
                "headers": dict(response_dict["headers"]),
                "body": json.loads(response_dict["body"]),
            }
        )

    client.meta.events.register("response-received.rekognition.*", record)
    return seen


# -- success --------------------------------------------------------------------------------------


def test_success_status_headers_and_request_id(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    c = client()
    raw = capture_raw(c)
    response = c.search_users(CollectionId="staff", FaceId=ALICE_1)
    meta = response["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 200
    assert meta["RetryAttempts"] == 0
    headers = meta["HTTPHeaders"]
    assert headers["content-type"] == "application/x-amz-json-1.1"
    request_id = headers["x-amzn-requestid"]
    assert str(uuid.UUID(request_id)) == request_id
    assert meta["RequestId"] == request_id
    assert int(headers["content-length"]) > 0
    assert "date" in headers
    (answer,) = raw
    assert answer["status"] == 200
    assert answer["body"]["SearchedFace"] == {"FaceId": ALICE_1}


def test_each_answer_has_its_own_request_id(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    c = client()
    first = c.search_users(CollectionId="staff", UserId="alice")["ResponseMetadata"]["RequestId"]
    second = c.search_users(CollectionId="staff", UserId="alice")["ResponseMetadata"]["RequestId"]
    assert first != second


def test_request_is_real_json_1_1_and_unsigned(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    sent: list[Any] = []
    c = client()
    c.meta.events.register("before-send.rekognition", lambda request, **_: sent.append(request))
    c.search_users(CollectionId="staff", UserId="alice", MaxUsers=7)
    (request,) = sent
    assert request.method == "POST"
    headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
    assert headers["X-Amz-Target"] == "RekognitionService.SearchUsers"
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert "Authorization" not in headers  # rekostub drops signing: no credentials needed
    assert json.loads(request.body) == {"CollectionId": "staff", "UserId": "alice", "MaxUsers": 7}
    # the fake saw exactly the request body botocore serialised
    assert staff.calls[-1].params == {"CollectionId": "staff", "UserId": "alice", "MaxUsers": 7}


# -- modeled errors -------------------------------------------------------------------------------


def test_modeled_error_is_the_client_exception_with_aws_body(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    c = client()
    raw = capture_raw(c)
    with pytest.raises(c.exceptions.ResourceNotFoundException) as excinfo:
        c.search_users(CollectionId="nope", UserId="alice")
    assert isinstance(excinfo.value, ClientError)
    assert error_of(excinfo) == (
        "ResourceNotFoundException",
        "The collection id: nope does not exist",
    )
    meta = excinfo.value.response["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 400
    assert meta["RequestId"] == meta["HTTPHeaders"]["x-amzn-requestid"]
    assert excinfo.value.operation_name == "SearchUsers"
    (answer,) = raw
    body = answer["body"]
    assert answer["status"] == 400
    assert set(body) == {"__type", "Code", "Logref", "Message"}
    assert body["__type"] == body["Code"] == "ResourceNotFoundException"
    assert body["Message"] == "The collection id: nope does not exist"
    assert str(uuid.UUID(body["Logref"])) == body["Logref"]


# -- ValidationException --------------------------------------------------------------------------


def _validation(excinfo: pytest.ExceptionInfo[Any]) -> str:
    assert type(excinfo.value) is ClientError  # not a modeled Rekognition error
    code, message = error_of(excinfo)
    assert code == "ValidationException"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return message


@pytest.mark.parametrize(
    ("params", "item"),
    [
        (
            {"CollectionId": "c" * 256, "UserId": "u"},
            f"Value '{'c' * 256}' at 'collectionId' failed to satisfy constraint: "
            "Member must have length less than or equal to 255",
        ),
        (
            {"CollectionId": "bad id!", "UserId": "u"},
            "Value 'bad id!' at 'collectionId' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.\\-]+",
        ),
        (
            {"CollectionId": "staff", "UserId": "u", "MaxUsers": 501},
            "Value '501' at 'maxUsers' failed to satisfy constraint: "
            "Member must have value less than or equal to 500",
        ),
        (
            {"CollectionId": "staff", "UserId": "u" * 129},
            f"Value '{'u' * 129}' at 'userId' failed to satisfy constraint: "
            "Member must have length less than or equal to 128",
        ),
        (
            {"CollectionId": "staff", "FaceId": ALICE_1.upper()},
            f"Value '{ALICE_1.upper()}' at 'faceId' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: "
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        ),
        (
            {"CollectionId": "staff", "UserId": "u", "UserMatchThreshold": 100.5},
            "Value '100.5' at 'userMatchThreshold' failed to satisfy constraint: "
            "Member must have value less than or equal to 100",
        ),
    ],
    ids=[
        "too-long",
        "pattern",
        "max-users-501",
        "user-id-too-long",
        "face-id-pattern",
        "threshold",
    ],
)
def test_one_validation_error(
    client: ClientFactory, staff: rekostub.FakeRekognition, params: dict[str, Any], item: str
) -> None:
    c = client()
    raw = capture_raw(c)
    with pytest.raises(ClientError) as excinfo:
        c.search_users(**params)
    assert _validation(excinfo) == f"1 validation error detected: {item}"
    body = raw[0]["body"]
    assert body["__type"] == "ValidationException"
    assert body["message"] == f"1 validation error detected: {item}"


def test_two_validation_errors(client: ClientFactory, staff: rekostub.FakeRekognition) -> None:
    c = client()
    with pytest.raises(ClientError) as excinfo:
        c.search_users(CollectionId="bad id!", UserId="u", MaxUsers=501)
    message = _validation(excinfo)
    prefix = "2 validation errors detected: "
    assert message.startswith(prefix)
    assert set(message[len(prefix) :].split("; ")) == {
        "Value 'bad id!' at 'collectionId' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.\\-]+",
        "Value '501' at 'maxUsers' failed to satisfy constraint: "
        "Member must have value less than or equal to 500",
    }


def test_botocore_checks_required_and_minimums_itself(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    c = client()
    with pytest.raises(ParamValidationError):
        c.search_users(UserId="u")  # type: ignore[call-arg]
    with pytest.raises(ParamValidationError):
        c.search_users(CollectionId="staff", UserId="u", MaxUsers=0)
    assert len(staff.calls) == 0  # nothing was sent


def test_without_client_validation_a_missing_member_is_null(client: ClientFactory) -> None:
    with rekostub.stub(fixture=None):
        c = client(parameter_validation=False)
        with pytest.raises(ClientError) as excinfo:
            c.search_users(UserId="u")
    assert _validation(excinfo) == (
        "1 validation error detected: Value null at 'collectionId' failed to satisfy "
        "constraint: Member must not be null"
    )


def test_without_client_validation_minimums_are_checked(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    c = client(parameter_validation=False)
    with pytest.raises(ClientError) as excinfo:
        c.search_users(CollectionId="staff", UserId="u", MaxUsers=0)
    assert _validation(excinfo) == (
        "1 validation error detected: Value '0' at 'maxUsers' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )
    with pytest.raises(ClientError) as excinfo:
        c.search_users(CollectionId="", UserId="u")
    # like AWS, every constraint the value breaks is listed: the minimum and the pattern
    assert _validation(excinfo) == (
        "2 validation errors detected: Value '' at 'collectionId' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1; Value '' at 'collectionId' failed "
        "to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.\\-]+"
    )


def test_a_rejected_request_changes_no_state(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    c = client()
    before = staff.snapshot()
    rejected = [
        lambda: c.create_user(CollectionId="staff", UserId="x" * 129),
        lambda: c.create_collection(CollectionId="bad id!"),
        lambda: c.delete_collection(CollectionId="s" * 256),
        lambda: c.delete_user(CollectionId="staff", UserId="bad user!"),
        lambda: c.associate_faces(CollectionId="staff", UserId="dave", FaceIds=[ALICE_1.upper()]),
        lambda: c.search_users(CollectionId="staff", UserId="alice", MaxUsers=501),
    ]
    for call in rejected:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert _validation(excinfo).startswith("1 validation error detected: ")
    assert staff.snapshot() == before
    # and the fake still answers from that state
    response = c.search_users(CollectionId="staff", FaceId=ALICE_1)
    assert [m["User"]["UserId"] for m in response["UserMatches"]] == ["alice"]
