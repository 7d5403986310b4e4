"""CreateUser, DeleteUser and ListUsers through a real boto3 client."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from conftest import ClientFactory, error_of

import rekostub
from rekostub._fixtures.load import load_fixture


def fid(n: int) -> str:
    """A well-formed FaceId numbered ``n``."""
    return f"0000a000-0000-4000-8000-{n:012x}"


def body(response: dict[str, Any]) -> dict[str, Any]:
    """The response without botocore's ResponseMetadata."""
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def listed(rek: Any, collection_id: str = "c", **kwargs: Any) -> list[tuple[str, str]]:
    """Every (UserId, UserStatus) of the collection, through the ListUsers paginator."""
    pages = rek.get_paginator("list_users").paginate(CollectionId=collection_id, **kwargs)
    return [(u["UserId"], u["UserStatus"]) for page in pages for u in page["Users"]]


#: The documented ListUsers order: by uuid5(uuid5(NAMESPACE_URL, URL), "<collection>/<user>").
USERS_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://rekostub/users")


def by_key(user_ids: list[str], collection_id: str = "c") -> list[str]:
    """User ids in ListUsers order (the rule the README documents, computed independently)."""
    return sorted(user_ids, key=lambda u: str(uuid.uuid5(USERS_NAMESPACE, f"{collection_id}/{u}")))


FIXTURE: dict[str, Any] = {
    "collections": {
        "c": {
            "users": {
                "alice": {"faces": [{"face_id": fid(1)}, {"face_id": fid(2)}]},
                "dave": {},
            },
            "faces": [{"face_id": fid(3), "identity": "bob"}],
        },
        "other": {},
    }
}


# -- CreateUser ---------------------------------------------------------------------------------


def test_create_user_answers_empty_and_user_is_created(client: ClientFactory) -> None:
    with rekostub.stub(fixture=FIXTURE) as fake:
        rek = client()
        response = rek.create_user(CollectionId="c", UserId="erin")
        assert body(response) == {}
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
        status = {"alice": "ACTIVE", "dave": "CREATED", "erin": "CREATED"}
        assert listed(rek) == [(u, status[u]) for u in by_key(list(status))]
        assert fake.state.collection("c").users["erin"].face_ids == {}


def test_user_ids_are_case_sensitive_and_per_collection(client: ClientFactory) -> None:
    with rekostub.stub(fixture=FIXTURE):
        rek = client()
        rek.create_user(CollectionId="c", UserId="Alice")
        rek.create_user(CollectionId="other", UserId="alice")
        assert ("Alice", "CREATED") in listed(rek)
        assert listed(rek, "other") == [("alice", "CREATED")]


def test_create_user_twice_is_a_conflict_and_changes_nothing(client: ClientFactory) -> None:
    with rekostub.stub(fixture=FIXTURE) as fake:
        rek = client()
        with pytest.raises(rek.exceptions.ConflictException) as excinfo:
            rek.create_user(CollectionId="c", UserId="alice")
        assert error_of(excinfo) == (
            "ConflictException",
            "The user id: alice already exists in the collection: c",
        )
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        # alice keeps her faces and status
        assert sorted(listed(rek)) == [("alice", "ACTIVE"), ("dave", "CREATED")]
        assert list(fake.state.collection("c").users["alice"].face_ids) == [fid(1), fid(2)]


def test_create_user_in_a_missing_collection(client: ClientFactory) -> None:
    with rekostub.stub(fixture=FIXTURE):
        rek = client()
        with pytest.raises(rek.exceptions.ResourceNotFoundException) as excinfo:
            rek.create_user(CollectionId="nope", UserId="erin")
        assert error_of(excinfo) == (
            "ResourceNotFoundException",
            "The collection id: nope does not exist",
        )


def test_create_user_checks_the_model_constraints(client: ClientFactory) -> None:
    with rekostub.stub(fixture=FIXTURE) as fake:
        rek = client()
        with pytest.raises(rek.exceptions.ClientError) as excinfo:
            rek.create_user(CollectionId="c", UserId="no spaces")
        code, message = error_of(excinfo)
        assert code == "ValidationException"
        assert "at 'userId'" in message
        assert "no spaces" not in fake.state.collection("c").users


# -- DeleteUser ---------------------------------------------------------------------------------


def test_delete_user_keeps_its_faces_unassociated(client: ClientFactory) -> None:
    with rekostub.stub(fixture=FIXTURE) as fake:
        rek = client()
        response = rek.delete_user(CollectionId="c", UserId="alice")
        assert body(response) == {}
        assert listed(rek) == [("dave", "CREATED")]
        faces = {f["FaceId"]: f for f in rek.list_faces(CollectionId="c")["Faces"]}
        assert set(faces) == {fid(1), fid(2), fid(3)}
        assert not any("UserId" in f for f in faces.values())
        assert fake.state.collection("c").faces[fid(1)].user_id is None
        # the user vector is gone: no search finds alice any more
        found = rek.search_users(CollectionId="c", FaceId=fid(1))
        assert found["UserMatches"] == []
        # the faces are free for another user
        rek.create_user(CollectionId="c", UserId="alice2")
        assoc = rek.associate_faces(CollectionId="c", UserId="alice2", FaceIds=[fid(1), fid(2)])
        assert assoc["AssociatedFaces"] == [{"FaceId": fid(1)}, {"FaceId": fid(2)}]


def test_delete_a_user_without_faces(client: ClientFactory) -> None:
    with rekostub.stub(fixture=FIXTURE):
        rek = client()
        assert body(rek.delete_user(CollectionId="c", UserId="dave")) == {}
        assert listed(rek) == [("alice", "ACTIVE")]


def test_recreated_user_starts_over(client: ClientFactory) -> None:
    with rekostub.stub(fixture=FIXTURE):
        rek = client()
        rek.delete_user(CollectionId="c", UserId="alice")
        rek.create_user(CollectionId="c", UserId="alice")
        assert listed(rek) == [(u, "CREATED") for u in by_key(["alice", "dave"])]
        assert rek.search_users(CollectionId="c", UserId="alice")["UserMatches"] == []


def test_delete_a_missing_user(client: ClientFactory) -> None:
    with rekostub.stub(fixture=FIXTURE):
        rek = client()
        with pytest.raises(rek.exceptions.ResourceNotFoundException) as excinfo:
            rek.delete_user(CollectionId="c", UserId="ghost")
        assert error_of(excinfo) == (
            "ResourceNotFoundException",
            "The user id: ghost does not exist in the collection: c",
        )
        with pytest.raises(rek.exceptions.ResourceNotFoundException) as excinfo:
            rek.delete_user(CollectionId="nope", UserId="alice")
        assert error_of(excinfo)[1] == "The collection id: nope does not exist"
        assert sorted(listed(rek)) == [("alice", "ACTIVE"), ("dave", "CREATED")]


def test_users_in_a_collection_created_through_the_api(client: ClientFactory) -> None:
    with rekostub.stub():
        rek = client()
        rek.create_collection(CollectionId="fresh")
        rek.create_user(CollectionId="fresh", UserId="u1")
        rek.create_user(CollectionId="fresh", UserId="u2")
        assert rek.describe_collection(CollectionId="fresh")["UserCount"] == 2
        rek.delete_user(CollectionId="fresh", UserId="u1")
        assert rek.describe_collection(CollectionId="fresh")["UserCount"] == 1
        assert listed(rek, "fresh") == [("u2", "CREATED")]
        # a collection deleted and created again has no users
        rek.delete_collection(CollectionId="fresh")
        with pytest.raises(rek.exceptions.ResourceNotFoundException):
            rek.list_users(CollectionId="fresh")
        rek.create_collection(CollectionId="fresh")
        assert listed(rek, "fresh") == []
        rek.create_user(CollectionId="fresh", UserId="u2")


def test_changes_stay_in_their_fake(client: ClientFactory) -> None:
    fixture = load_fixture(FIXTURE)  # one parsed fixture, two fakes built from it
    with rekostub.stub(fixture=fixture):
        rek = client()
        rek.delete_user(CollectionId="c", UserId="alice")
        rek.create_user(CollectionId="c", UserId="erin")
    with rekostub.stub(fixture=fixture):
        assert sorted(listed(client())) == [("alice", "ACTIVE"), ("dave", "CREATED")]


# -- ListUsers ----------------------------------------------------------------------------------


def many_users(n: int) -> dict[str, Any]:
    return {"collections": {"c": {"users": {f"u{i:05d}": {} for i in range(n)}}}}


def test_list_users_shape_and_statuses(client: ClientFactory) -> None:
    with rekostub.stub(fixture=FIXTURE):
        rek = client()
        response = rek.list_users(CollectionId="c")
        status = {"alice": "ACTIVE", "dave": "CREATED"}
        assert body(response) == {
            "Users": [{"UserId": u, "UserStatus": status[u]} for u in by_key(list(status))]
        }
        assert body(rek.list_users(CollectionId="other")) == {"Users": []}


def test_list_users_is_by_system_id_not_by_name_or_creation(client: ClientFactory) -> None:
    with rekostub.stub(fixture=FIXTURE):
        rek = client()
        for user_id in ["zed", "Bob", "amy", "0x"]:
            rek.create_user(CollectionId="c", UserId=user_id)
        rek.delete_user(CollectionId="c", UserId="dave")
        got = [u for u, _ in listed(rek)]
        assert got == by_key(["alice", "zed", "Bob", "amy", "0x"])
        assert got != ["alice", "zed", "Bob", "amy", "0x"]
        assert got != sorted(got)
    # the same users created in another order, in a fresh fake: the same order
    with rekostub.stub(fixture={"collections": {"c": {}}}):
        rek = client()
        for user_id in ["0x", "amy", "alice", "Bob", "zed"]:
            rek.create_user(CollectionId="c", UserId=user_id)
        assert [u for u, _ in listed(rek)] == got


def test_list_users_pages_with_max_results(client: ClientFactory) -> None:
    with rekostub.stub(fixture=many_users(5)):
        rek = client()
        order = by_key([f"u{i:05d}" for i in range(5)])
        first = rek.list_users(CollectionId="c", MaxResults=2)
        assert [u["UserId"] for u in first["Users"]] == order[:2]
        second = rek.list_users(CollectionId="c", MaxResults=2, NextToken=first["NextToken"])
        assert [u["UserId"] for u in second["Users"]] == order[2:4]
        last = rek.list_users(CollectionId="c", MaxResults=2, NextToken=second["NextToken"])
        assert [u["UserId"] for u in last["Users"]] == order[4:]
        assert "NextToken" not in last
        # a page that ends exactly at the last user is the last page
        exact = rek.list_users(CollectionId="c", MaxResults=5)
        assert len(exact["Users"]) == 5
        assert "NextToken" not in exact


def test_list_users_default_page_is_the_model_maximum(client: ClientFactory) -> None:
    with rekostub.stub(fixture=many_users(1234)):
        rek = client()
        pages = list(rek.get_paginator("list_users").paginate(CollectionId="c"))
        assert [len(p["Users"]) for p in pages] == [500, 500, 234]
        assert "NextToken" not in pages[-1]
        got = [u["UserId"] for p in pages for u in p["Users"]]
        assert got == by_key([f"u{i:05d}" for i in range(1234)])


def test_list_users_paginator_with_page_size(client: ClientFactory) -> None:
    with rekostub.stub(fixture=many_users(250)):
        rek = client()
        pages = list(
            rek.get_paginator("list_users").paginate(
                CollectionId="c", PaginationConfig={"PageSize": 100}
            )
        )
        assert [len(p["Users"]) for p in pages] == [100, 100, 50]
        assert [u for u, _ in listed(rek, PaginationConfig={"PageSize": 7})] == by_key(
            [f"u{i:05d}" for i in range(250)]
        )


def test_list_users_walk_survives_changes_between_pages(client: ClientFactory) -> None:
    with rekostub.stub(fixture=many_users(6)):
        rek = client()
        order = by_key([f"u{i:05d}" for i in range(6)])
        first = rek.list_users(CollectionId="c", MaxResults=3)
        assert [u["UserId"] for u in first["Users"]] == order[:3]
        # the last user of the page, one ahead and one behind go; new ones come on both sides
        for gone in (order[2], order[4], order[0]):
            rek.delete_user(CollectionId="c", UserId=gone)
        news = [f"new{i}" for i in range(8)]
        for user_id in news:
            rek.create_user(CollectionId="c", UserId=user_id)
        rest = rek.list_users(CollectionId="c", NextToken=first["NextToken"])
        last_key = by_key([order[2], *news])  # where each new user falls against the token
        after = last_key[last_key.index(order[2]) + 1 :]
        assert [u["UserId"] for u in rest["Users"]] == by_key([order[3], order[5], *after])
        assert "NextToken" not in rest


def test_list_users_with_a_long_collection_id(client: ClientFactory) -> None:
    long_id = "c" * 255
    with rekostub.stub(fixture={"collections": {long_id: {"users": {"a": {}, "b": {}}}}}):
        rek = client()
        first = rek.list_users(CollectionId=long_id, MaxResults=1)
        assert len(first["NextToken"]) <= 255
        assert [u for u, _ in listed(rek, long_id, PaginationConfig={"PageSize": 1})] == by_key(
            ["a", "b"], long_id
        )


@pytest.mark.parametrize("token", ["garbage", "", "eyJ4IjoxfQ"])
def test_list_users_bad_token(client: ClientFactory, token: str) -> None:
    with rekostub.stub(fixture=FIXTURE):
        rek = client(parameter_validation=False)
        with pytest.raises(rek.exceptions.InvalidPaginationTokenException) as excinfo:
            rek.list_users(CollectionId="c", NextToken=token)
        assert error_of(excinfo)[0] == "InvalidPaginationTokenException"


def test_list_users_token_of_another_collection_is_invalid(client: ClientFactory) -> None:
    fixture = {"collections": {"a": many_users(3)["collections"]["c"], "b": {}}}
    with rekostub.stub(fixture=fixture):
        rek = client()
        token = rek.list_users(CollectionId="a", MaxResults=1)["NextToken"]
        with pytest.raises(rek.exceptions.InvalidPaginationTokenException):
            rek.list_users(CollectionId="b", NextToken=token)


def test_list_users_in_a_missing_collection(client: ClientFactory) -> None:
    with rekostub.stub(fixture=FIXTURE):
        rek = client()
        with pytest.raises(rek.exceptions.ResourceNotFoundException) as excinfo:
            rek.list_users(CollectionId="nope")
        assert error_of(excinfo)[1] == "The collection id: nope does not exist"


@pytest.mark.parametrize("max_results", [0, 501])
def test_list_users_max_results_bounds(client: ClientFactory, max_results: int) -> None:
    with rekostub.stub(fixture=FIXTURE):
        rek = client(parameter_validation=False)
        with pytest.raises(rek.exceptions.ClientError) as excinfo:
            rek.list_users(CollectionId="c", MaxResults=max_results)
        code, message = error_of(excinfo)
        assert code == "ValidationException"
        assert "at 'maxResults'" in message


# -- statuses: CREATED, UPDATING, ACTIVE --------------------------------------------------------


@pytest.fixture
def frozen() -> Iterator[time_machine.Coordinates]:
    """time.time() stands still (time-machine), so only fake.advance() or a shift moves it."""
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc), tick=False) as t:
        yield t


def status(rek: Any, user_id: str) -> str:
    return dict(listed(rek))[user_id]


def test_updating_until_the_next_call_by_default(client: ClientFactory) -> None:
    with rekostub.stub(fixture=FIXTURE) as fake:
        assert fake.updating_seconds == 0
        rek = client()
        response = rek.associate_faces(CollectionId="c", UserId="dave", FaceIds=[fid(3)])
        assert response["UserStatus"] == "UPDATING"
        assert status(rek, "dave") == "ACTIVE"


def test_updating_hold_with_a_clock(
    frozen: time_machine.Coordinates, client: ClientFactory
) -> None:
    with rekostub.stub(fixture=FIXTURE) as fake:
        fake.updating_seconds = 5
        rek = client()
        rek.associate_faces(CollectionId="c", UserId="dave", FaceIds=[fid(3)])
        fake.advance(4.9)
        assert listed(rek) == [("alice", "ACTIVE"), ("dave", "UPDATING")]
        # SearchUsers finds an UPDATING user and says so
        found = rek.search_users(CollectionId="c", FaceId=fid(3))["UserMatches"]
        assert [m["User"] for m in found] == [{"UserId": "dave", "UserStatus": "UPDATING"}]
        fake.advance(0.1)
        assert status(rek, "dave") == "ACTIVE"
        # a disassociation holds the user again; a call that changes nothing does not
        rek.disassociate_faces(CollectionId="c", UserId="alice", FaceIds=[fid(2)])
        assert status(rek, "alice") == "UPDATING"
        fake.advance(5)
        noop = rek.associate_faces(CollectionId="c", UserId="alice", FaceIds=[fid(1)])
        assert noop["UserStatus"] == "ACTIVE"
        assert status(rek, "alice") == "ACTIVE"


def test_time_machine_moves_the_updating_clock(
    frozen: time_machine.Coordinates, client: ClientFactory
) -> None:
    """The fake's clock follows time.time(): a time-machine (or freezegun) shift releases a
    held user, with no sleep and no call to the fake."""
    with rekostub.stub(fixture=FIXTURE) as fake:
        fake.updating_seconds = 60
        rek = client()
        rek.associate_faces(CollectionId="c", UserId="dave", FaceIds=[fid(3)])
        frozen.shift(59.5)
        assert status(rek, "dave") == "UPDATING"
        frozen.shift(0.5)
        assert status(rek, "dave") == "ACTIVE"


def test_advance_refuses_to_go_back() -> None:
    fake = rekostub.FakeRekognition()
    with pytest.raises(ValueError, match="forward"):
        fake.advance(-1)


def test_no_hold_survives_time_going_back(client: ClientFactory) -> None:
    """With no hold (the default) the user is ACTIVE from the next call even if a test moves
    time.time() into the past between the calls."""
    with rekostub.stub(fixture=FIXTURE):
        rek = client()
        assert (
            rek.associate_faces(CollectionId="c", UserId="dave", FaceIds=[fid(3)])["UserStatus"]
            == "UPDATING"
        )
        with time_machine.travel(dt.datetime(2001, 1, 1, tzinfo=dt.timezone.utc), tick=False):
            assert status(rek, "dave") == "ACTIVE"


def test_updating_hold_with_the_real_clock(client: ClientFactory) -> None:
    with rekostub.stub(fixture=FIXTURE) as fake:
        fake.updating_seconds = 0.2
        rek = client()
        rek.associate_faces(CollectionId="c", UserId="dave", FaceIds=[fid(3)])
        assert status(rek, "dave") == "UPDATING"
        deadline = time.monotonic() + 5
        while status(rek, "dave") == "UPDATING":
            assert time.monotonic() < deadline, "dave never became ACTIVE"
            time.sleep(0.02)
        assert status(rek, "dave") == "ACTIVE"


def test_updating_seconds_from_the_fixture(
    frozen: time_machine.Coordinates, client: ClientFactory
) -> None:
    with rekostub.stub(fixture={**FIXTURE, "options": {"updating_seconds": 2}}) as fake:
        assert fake.updating_seconds == 2
        rek = client()
        rek.associate_faces(CollectionId="c", UserId="dave", FaceIds=[fid(3)])
        fake.advance(1.5)
        assert status(rek, "dave") == "UPDATING"
        fake.advance(0.5)
        assert status(rek, "dave") == "ACTIVE"


def test_last_face_out_reads_created_even_while_held(
    frozen: time_machine.Coordinates, client: ClientFactory
) -> None:
    with rekostub.stub(fixture=FIXTURE) as fake:
        fake.updating_seconds = 10
        rek = client()
        out = rek.disassociate_faces(CollectionId="c", UserId="alice", FaceIds=[fid(1), fid(2)])
        assert out["UserStatus"] == "UPDATING"
        assert status(rek, "alice") == "CREATED"
