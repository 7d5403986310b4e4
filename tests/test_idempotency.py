"""ClientRequestToken: replays, mismatches, botocore's own tokens and retries."""

from __future__ import annotations

import types
from typing import Any

import botocore.endpoint
import botocore.handlers
import pytest
from conftest import ClientFactory, error_of

import rekostub


def fid(n: int) -> str:
    return f"0000c000-0000-4000-8000-{n:012x}"


def body(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def users(fake: rekostub.FakeRekognition, cid: str = "c") -> dict[str, list[str]]:
    col = fake.state.collection(cid)
    return {u: list(user.face_ids) for u, user in col.users.items()}


FIXTURE: dict[str, Any] = {
    "collections": {
        "c": {
            "users": {"alice": {"faces": [{"face_id": fid(1)}]}, "dave": {}},
            "faces": [
                {"face_id": fid(2), "identity": "alice"},
                {"face_id": fid(3), "identity": "alice"},
                {"face_id": fid(9), "identity": "zoe"},
            ],
        },
        "other": {},
    }
}

MISMATCH = "IdempotentParameterMismatchException"


@pytest.fixture
def fake() -> Any:
    with rekostub.stub(fixture=FIXTURE) as f:
        yield f


def mismatch_message(token: str) -> str:
    return f"The ClientRequestToken: {token} you have supplied is already in use."


# -- replay ---------------------------------------------------------------------------------------


def test_create_user_replay_is_not_a_conflict(fake: Any, client: ClientFactory) -> None:
    rek = client()
    first = rek.create_user(CollectionId="c", UserId="erin", ClientRequestToken="t-1")
    again = rek.create_user(CollectionId="c", UserId="erin", ClientRequestToken="t-1")
    assert body(first) == body(again) == {}
    assert sorted(users(fake)) == ["alice", "dave", "erin"]
    calls = fake.calls.of("CreateUser")
    assert [c.error for c in calls] == [None, None]


def test_create_user_same_token_other_params(fake: Any, client: ClientFactory) -> None:
    rek = client()
    rek.create_user(CollectionId="c", UserId="erin", ClientRequestToken="t-1")
    for other in ({"UserId": "frank"}, {"CollectionId": "other", "UserId": "erin"}):
        params = {"CollectionId": "c", "UserId": "erin", "ClientRequestToken": "t-1", **other}
        with pytest.raises(rek.exceptions.IdempotentParameterMismatchException) as excinfo:
            rek.create_user(**params)
        assert error_of(excinfo) == (MISMATCH, mismatch_message("t-1"))
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert sorted(users(fake)) == ["alice", "dave", "erin"]
    assert users(fake, "other") == {}


def test_delete_user_replay(fake: Any, client: ClientFactory) -> None:
    rek = client()
    rek.delete_user(CollectionId="c", UserId="dave", ClientRequestToken="del")
    # a fresh call would be ResourceNotFoundException; the replay is the first answer
    assert body(rek.delete_user(CollectionId="c", UserId="dave", ClientRequestToken="del")) == {}
    # and the replay does not delete a dave created since
    rek.create_user(CollectionId="c", UserId="dave")
    rek.delete_user(CollectionId="c", UserId="dave", ClientRequestToken="del")
    assert "dave" in users(fake)
    with pytest.raises(rek.exceptions.IdempotentParameterMismatchException):
        rek.delete_user(CollectionId="c", UserId="alice", ClientRequestToken="del")
    assert "alice" in users(fake)


def test_associate_replay_returns_the_first_answer(fake: Any, client: ClientFactory) -> None:
    rek = client()
    params = {"CollectionId": "c", "UserId": "alice", "FaceIds": [fid(2), fid(9)]}
    first = body(rek.associate_faces(**params, ClientRequestToken="a-1"))
    assert first["AssociatedFaces"] == [{"FaceId": fid(2)}]
    assert first["UnsuccessfulFaceAssociations"][0]["Reasons"] == ["LOW_MATCH_CONFIDENCE"]
    assert first["UserStatus"] == "UPDATING"
    state_after_first = users(fake)
    # a fresh call would now put fid(2) in neither list and answer ACTIVE
    assert body(rek.associate_faces(**params, ClientRequestToken="a-1")) == first
    assert users(fake) == state_after_first
    fresh = body(rek.associate_faces(**params))
    assert fresh["AssociatedFaces"] == []
    assert fresh["UserStatus"] == "ACTIVE"


def test_associate_mismatches(fake: Any, client: ClientFactory) -> None:
    rek = client()
    base = {"CollectionId": "c", "UserId": "alice", "FaceIds": [fid(2), fid(3)]}
    rek.associate_faces(**base, ClientRequestToken="a-2")
    before = users(fake)
    changed: list[dict[str, Any]] = [
        {**base, "FaceIds": [fid(3), fid(2)]},  # order counts
        {**base, "FaceIds": [fid(2)]},
        {**base, "UserId": "dave"},
        {**base, "UserMatchThreshold": 75.0},  # an explicit default is another parameter
    ]
    for params in changed:
        with pytest.raises(rek.exceptions.IdempotentParameterMismatchException) as excinfo:
            rek.associate_faces(**params, ClientRequestToken="a-2")
        assert error_of(excinfo) == (MISMATCH, mismatch_message("a-2"))
    assert users(fake) == before


def test_disassociate_replay_and_mismatch(fake: Any, client: ClientFactory) -> None:
    rek = client()
    params = {"CollectionId": "c", "UserId": "alice", "FaceIds": [fid(1)]}
    first = body(rek.disassociate_faces(**params, ClientRequestToken="d-1"))
    assert first["DisassociatedFaces"] == [{"FaceId": fid(1)}]
    assert body(rek.disassociate_faces(**params, ClientRequestToken="d-1")) == first
    with pytest.raises(rek.exceptions.IdempotentParameterMismatchException):
        rek.disassociate_faces(**{**params, "UserId": "dave"}, ClientRequestToken="d-1")
    assert users(fake)["alice"] == []


def test_tokens_are_per_operation(fake: Any, client: ClientFactory) -> None:
    rek = client()
    rek.create_user(CollectionId="c", UserId="erin", ClientRequestToken="same")
    rek.delete_user(CollectionId="c", UserId="erin", ClientRequestToken="same")
    rek.associate_faces(
        CollectionId="c", UserId="dave", FaceIds=[fid(9)], ClientRequestToken="same"
    )
    assert users(fake) == {"alice": [fid(1)], "dave": [fid(9)]}


# -- botocore's own tokens ------------------------------------------------------------------------


def test_botocore_fills_a_fresh_token_per_call(fake: Any, client: ClientFactory) -> None:
    rek = client()
    rek.create_user(CollectionId="c", UserId="erin")
    with pytest.raises(rek.exceptions.ConflictException):
        rek.create_user(CollectionId="c", UserId="erin")
    tokens = [c.params["ClientRequestToken"] for c in fake.calls.of("CreateUser")]
    assert len(tokens) == 2
    assert tokens[0] != tokens[1]
    # two identical associations without tokens: both run
    rek.associate_faces(CollectionId="c", UserId="dave", FaceIds=[fid(9)])
    second = rek.associate_faces(CollectionId="c", UserId="dave", FaceIds=[fid(9)])
    assert second["AssociatedFaces"] == []


def test_a_request_without_a_token_is_never_replayed(fake: Any, client: ClientFactory) -> None:
    rek = client()
    # a caller whose SDK does not fill tokens in
    rek.meta.events.unregister("before-parameter-build", botocore.handlers.generate_idempotent_uuid)
    rek.create_user(CollectionId="c", UserId="erin")
    assert "ClientRequestToken" not in fake.calls.of("CreateUser")[-1].params
    with pytest.raises(rek.exceptions.ConflictException):
        rek.create_user(CollectionId="c", UserId="erin")
    assert fake.state.idempotency == {}


# -- errors are not stored ------------------------------------------------------------------------


def test_an_error_answer_is_not_stored(fake: Any, client: ClientFactory) -> None:
    rek = client()
    params = {"CollectionId": "c", "UserId": "erin", "FaceIds": [fid(9)]}
    with pytest.raises(rek.exceptions.ResourceNotFoundException):
        rek.associate_faces(**params, ClientRequestToken="e-1")
    assert fake.state.idempotency == {}
    # the cause fixed, the same token runs the operation
    rek.create_user(CollectionId="c", UserId="erin")
    ok = rek.associate_faces(**params, ClientRequestToken="e-1")
    assert ok["AssociatedFaces"] == [{"FaceId": fid(9)}]
    assert users(fake)["erin"] == [fid(9)]


def test_after_an_error_other_params_are_no_mismatch(fake: Any, client: ClientFactory) -> None:
    rek = client()
    with pytest.raises(rek.exceptions.ConflictException):
        rek.create_user(CollectionId="c", UserId="alice", ClientRequestToken="e-2")
    assert body(rek.create_user(CollectionId="c", UserId="erin", ClientRequestToken="e-2")) == {}
    assert "erin" in users(fake)


def test_injected_fault_then_retry_runs_once(
    fake: Any, client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """botocore retries a throttled call with the same token; the user is created once."""
    slept: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=slept.append))
    rek = client(retries={"mode": "standard", "max_attempts": 3})
    fake.fail("CreateUser", "ThrottlingException")
    response = rek.create_user(CollectionId="c", UserId="erin")
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert len(slept) == 1
    calls = fake.calls.of("CreateUser")
    assert [c.error.code if c.error else None for c in calls] == ["ThrottlingException", None]
    assert calls[0].params["ClientRequestToken"] == calls[1].params["ClientRequestToken"]
    assert sorted(users(fake)) == ["alice", "dave", "erin"]


def test_replay_survives_a_retry_after_success(fake: Any, client: ClientFactory) -> None:
    """A caller retrying a call that did succeed (lost answer) gets the answer, not an error."""
    rek = client()
    rek.associate_faces(CollectionId="c", UserId="dave", FaceIds=[fid(9)], ClientRequestToken="r")
    retried = rek.associate_faces(
        CollectionId="c", UserId="dave", FaceIds=[fid(9)], ClientRequestToken="r"
    )
    assert retried["AssociatedFaces"] == [{"FaceId": fid(9)}]
    assert users(fake)["dave"] == [fid(9)]


def test_token_constraints(fake: Any, client: ClientFactory) -> None:
    rek = client(parameter_validation=False)
    for token in ["has space", "x" * 65]:
        with pytest.raises(rek.exceptions.ClientError) as excinfo:
            rek.create_user(CollectionId="c", UserId="erin", ClientRequestToken=token)
        code, message = error_of(excinfo)
        assert code == "ValidationException"
        assert "at 'clientRequestToken'" in message
    assert "erin" not in users(fake)
    assert fake.state.idempotency == {}
