"""``fake.fail`` (injected errors through botocore's real retries) and the ``fake.calls`` log."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from conftest import ALICE_1, BOB_1, ClientFactory, Listener, error_of

import rekostub

THROTTLED = "Slow down; sudden increase in rate of requests."


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's retries really happen, without their sleeps."""
    monkeypatch.setattr(
        "botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0
    )
    monkeypatch.setattr("botocore.retryhandler.delay_exponential", lambda **_: 0)


def standard(client: ClientFactory) -> Any:
    return client(retries={"mode": "standard"})  # 3 attempts in all


# -- fail() ---------------------------------------------------------------------------------------


def test_throttled_once_then_retried_by_botocore(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    staff.fail("SearchUsers", "ThrottlingException")
    response = standard(client).search_users(CollectionId="staff", FaceId=ALICE_1)
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert response["UserMatches"][0]["User"]["UserId"] == "alice"
    first, second = staff.calls
    assert first.error == rekostub.ErrorAnswer("ThrottlingException", THROTTLED, 500)
    assert first.response is None
    assert second.error is None
    assert second.response is not None
    assert second.response["UserMatches"] == response["UserMatches"]


def test_faults_outlasting_the_retries_reach_the_caller(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    c = standard(client)
    staff.fail("SearchUsers", "ThrottlingException", times=5)
    with pytest.raises(c.exceptions.ThrottlingException) as excinfo:
        c.search_users(CollectionId="staff", UserId="alice")
    assert error_of(excinfo) == ("ThrottlingException", THROTTLED)
    meta = excinfo.value.response["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 500
    assert meta["RetryAttempts"] == 2
    assert len(staff.calls) == 3
    # two of the five faults are left for the next call, which then succeeds on its 3rd try
    response = c.search_users(CollectionId="staff", UserId="alice")
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert [call.error is None for call in staff.calls] == [False] * 5 + [True]


def test_legacy_retry_mode_retries_too(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    c = client(retries={"mode": "legacy"})  # 5 attempts in all
    staff.fail("SearchUsers", "InternalServerError", times=4)
    response = c.search_users(CollectionId="staff", UserId="alice")
    assert response["ResponseMetadata"]["RetryAttempts"] == 4
    assert {call.error.status for call in staff.calls if call.error} == {500}


def test_a_400_error_with_a_message_is_not_retried(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    c = standard(client)
    staff.fail("search_users", "InvalidParameterException", message="x")
    with pytest.raises(c.exceptions.InvalidParameterException) as excinfo:
        c.search_users(CollectionId="staff", UserId="alice")
    assert error_of(excinfo) == ("InvalidParameterException", "x")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert excinfo.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    assert len(staff.calls) == 1
    assert staff.calls[0].error == rekostub.ErrorAnswer("InvalidParameterException", "x", 400)
    c.search_users(CollectionId="staff", UserId="alice")  # the fault was used up
    assert staff.calls[1].error is None


def test_default_messages_and_unknown_codes(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    c = standard(client)
    staff.fail("SearchUsers", "AccessDeniedException")
    with pytest.raises(c.exceptions.AccessDeniedException) as excinfo:
        c.search_users(CollectionId="staff", UserId="alice")
    assert error_of(excinfo) == (
        "AccessDeniedException",
        "You are not authorized to perform the action.",
    )
    staff.fail("SearchUsers", "ServiceUnavailable", times=3)  # common to every AWS API
    with pytest.raises(ClientError) as excinfo:
        c.search_users(CollectionId="staff", UserId="alice")
    assert type(excinfo.value) is ClientError  # not modeled for Rekognition: the generic class
    assert error_of(excinfo)[0] == "ServiceUnavailable"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert excinfo.value.response["ResponseMetadata"]["RetryAttempts"] == 2  # 503 is retried


@pytest.mark.parametrize(
    ("operation", "code", "hint"),
    [
        ("SearchUsers", "ThrottlingExeption", "Did you mean 'ThrottlingException'?"),
        ("SearchUsers", "ResourceAlreadyExistsException", "Allowed: the errors of SearchUsers"),
        ("search_users", "SomethingOddException", "transport faults (EndpointConnectionError"),
    ],
)
def test_fail_refuses_a_code_the_operation_cannot_answer(
    client: ClientFactory, staff: rekostub.FakeRekognition, operation: str, code: str, hint: str
) -> None:
    with pytest.raises(ValueError, match=f"SearchUsers cannot answer {code!r}") as excinfo:
        staff.fail(operation, code)
    message = str(excinfo.value)
    assert hint in message
    for allowed in ("InvalidParameterException", "ServiceUnavailable", "ReadTimeoutError"):
        assert allowed in message
    standard(client).search_users(CollectionId="staff", UserId="alice")  # nothing was queued
    assert staff.calls[0].error is None
    staff.fail("CreateCollection", "ResourceAlreadyExistsException")  # that one can


TRANSPORT = [
    (EndpointConnectionError, "Could not connect to the endpoint URL"),
    (ReadTimeoutError, "Read timeout on endpoint URL"),
    (ConnectionClosedError, "Connection was closed before we received a valid response"),
]


@pytest.mark.parametrize(("fault", "text"), TRANSPORT)
def test_transport_fault_is_retried_by_botocore_then_answered(
    client: ClientFactory,
    staff: rekostub.FakeRekognition,
    listener: Listener,
    fault: type[Exception],
    text: str,
) -> None:
    c = client(endpoint_url=listener.url, retries={"mode": "standard"})
    staff.fail("SearchUsers", fault.__name__, times=2)
    response = c.search_users(CollectionId="staff", FaceId=ALICE_1)
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert response["UserMatches"][0]["User"]["UserId"] == "alice"
    first, second, third = staff.calls
    assert first.error is not None
    assert first.error.code == fault.__name__
    assert first.error.status == 0  # no HTTP answer
    assert text in first.error.message
    assert second.error == first.error
    assert third.error is None
    assert listener.connections == 0


@pytest.mark.parametrize("mode", ["standard", "legacy"])
@pytest.mark.parametrize(("fault", "text"), TRANSPORT)
def test_transport_fault_outlasting_the_retries_is_botocores_own_exception(
    client: ClientFactory,
    staff: rekostub.FakeRekognition,
    listener: Listener,
    fault: type[Exception],
    text: str,
    mode: str,
) -> None:
    c = client(endpoint_url=listener.url, retries={"mode": mode})
    attempts = 3 if mode == "standard" else 5
    staff.fail("SearchUsers", fault.__name__, times=attempts)
    with pytest.raises(fault, match=text) as excinfo:
        c.search_users(CollectionId="staff", UserId="alice")
    assert type(excinfo.value) is fault
    assert "rekognition.us-east-1.amazonaws.com" in str(excinfo.value)
    assert len(staff.calls) == attempts  # every attempt reached the fake, and only the fake
    assert listener.connections == 0
    c.search_users(CollectionId="staff", UserId="alice")  # the faults are used up


def test_faults_are_per_operation(client: ClientFactory, staff: rekostub.FakeRekognition) -> None:
    c = standard(client)
    staff.fail("DescribeCollection", "AccessDeniedException")
    c.search_users(CollectionId="staff", UserId="alice")  # not affected
    assert staff.calls[0].error is None


def test_a_fault_answers_an_unemulated_operation_too(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    c = standard(client)
    staff.fail("detect_labels", "AccessDeniedException")
    with pytest.raises(c.exceptions.AccessDeniedException):
        c.detect_labels(Image={"Bytes": b"\xff\xd8\xff"})
    with pytest.raises(rekostub.NotEmulatedError):
        c.detect_labels(Image={"Bytes": b"\xff\xd8\xff"})


def test_fail_rejects_a_misspelt_operation_and_bad_times(staff: rekostub.FakeRekognition) -> None:
    with pytest.raises(
        ValueError,
        match=r"'serch_users' is not a Rekognition operation\. Did you mean 'SearchUsers'\?",
    ):
        staff.fail("serch_users", "ThrottlingException")
    with pytest.raises(ValueError, match="times must be >= 1"):
        staff.fail("SearchUsers", "ThrottlingException", times=0)


# -- the call log ---------------------------------------------------------------------------------


def test_call_records(client: ClientFactory, staff: rekostub.FakeRekognition) -> None:
    c = client()
    c.search_users(CollectionId="staff", FaceId=ALICE_1, MaxUsers=3)
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.search_users(CollectionId="nope", UserId="alice")
    ok, bad = staff.calls
    assert ok.operation == "SearchUsers"
    assert ok.params == {"CollectionId": "staff", "FaceId": ALICE_1, "MaxUsers": 3}
    assert ok.region == "us-east-1"
    assert ok.error is None
    assert ok.response is not None
    assert ok.response["SearchedFace"] == {"FaceId": ALICE_1}
    assert "ResponseMetadata" not in ok.response
    assert bad.response is None
    assert bad.error == rekostub.ErrorAnswer(
        "ResourceNotFoundException", "The collection id: nope does not exist", 400
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        ok.operation = "x"  # type: ignore[misc]


def test_call_region_is_the_clients(staff: rekostub.FakeRekognition) -> None:
    import boto3

    c = boto3.session.Session().client("rekognition", region_name="eu-west-1")
    c.list_collections()
    assert staff.calls[0].region == "eu-west-1"


def test_params_hold_blobs_as_bytes(client: ClientFactory, staff: rekostub.FakeRekognition) -> None:
    staff.add_response("DetectLabels", {"Labels": []})
    image = b"\x89PNG\r\n\x1a\n\x00\x01\x02\xff"
    client().detect_labels(Image={"Bytes": image}, MaxLabels=5)
    call = staff.calls.assert_called_with("DetectLabels", Image={"Bytes": image})
    assert call.params == {"Image": {"Bytes": image}, "MaxLabels": 5}
    assert isinstance(call.params["Image"]["Bytes"], bytes)


def test_rejected_requests_are_logged_with_their_error(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    c = client()
    with pytest.raises(ClientError):
        c.search_users(CollectionId="staff", UserId="alice", MaxUsers=501)
    (call,) = staff.calls
    assert call.error is not None
    assert call.error.code == "ValidationException"
    assert call.error.status == 400
    assert call.params["MaxUsers"] == 501


def test_of_assert_called_with_and_reset(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    c = client()
    c.search_users(CollectionId="staff", UserId="alice")
    c.search_users(CollectionId="staff", FaceId=BOB_1, UserMatchThreshold=90)
    assert len(staff.calls.of("search_users")) == 2
    assert staff.calls.of("SearchUsers") == list(staff.calls)
    assert staff.calls.of("DescribeCollection") == []

    last = staff.calls.assert_called_with("search_users", CollectionId="staff")
    assert last is staff.calls[1]  # the latest matching call
    first = staff.calls.assert_called_with("SearchUsers", UserId="alice")
    assert first is staff.calls[0]

    with pytest.raises(AssertionError) as excinfo:
        staff.calls.assert_called_with("SearchUsers", UserId="carol")
    message = str(excinfo.value)
    assert "SearchUsers calls seen" in message
    assert "'UserId': 'alice'" in message
    assert BOB_1 in message

    with pytest.raises(AssertionError, match=r"(?s)no CreateUser call .*\(none\)"):
        staff.calls.assert_called_with("create_user", UserId="x")

    staff.calls.assert_not_called("CreateUser")
    with pytest.raises(AssertionError, match="SearchUsers was called 2 time"):
        staff.calls.assert_not_called("search_users")

    staff.calls.reset()
    assert len(staff.calls) == 0
    assert list(staff.calls) == []
    staff.calls.assert_not_called("SearchUsers")


def test_assert_called_with_matches_nested_dicts_partially(
    client: ClientFactory, staff: rekostub.FakeRekognition
) -> None:
    staff.add_response("DetectLabels", {"Labels": []})
    client().detect_labels(
        Image={"S3Object": {"Bucket": "photos", "Name": "a.jpg"}}, MinConfidence=70.0
    )
    staff.calls.assert_called_with("DetectLabels", Image={"S3Object": {"Bucket": "photos"}})
    with pytest.raises(AssertionError):
        staff.calls.assert_called_with("DetectLabels", Image={"S3Object": {"Bucket": "other"}})


def test_call_log_repr_and_indexing(client: ClientFactory, staff: rekostub.FakeRekognition) -> None:
    client().search_users(CollectionId="staff", UserId="alice")
    assert repr(staff.calls) == "CallLog(['SearchUsers'])"
    assert staff.calls[-1] is staff.calls[0]
    assert list(staff.calls[0:1]) == [staff.calls[0]]
