"""Threads: one fake answering many threads at once, each answer correct, every call logged."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError
from conftest import ALICE_1, ALICE_85, BOB_1, CAROL_1, STAFF, STRANGER, ClientFactory, make_client

import rekostub

THREADS = 8
ROUNDS = 12

# (label, params): a mix of matches, empty answers and errors.
QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("alice-face", {"CollectionId": "staff", "FaceId": ALICE_1}),
    ("alice-85", {"CollectionId": "staff", "FaceId": ALICE_85, "UserMatchThreshold": 0}),
    ("bob-face", {"CollectionId": "staff", "FaceId": BOB_1, "MaxUsers": 1}),
    ("carol-user", {"CollectionId": "staff", "UserId": "carol", "UserMatchThreshold": 0}),
    ("stranger", {"CollectionId": "staff", "FaceId": STRANGER}),
    ("dave", {"CollectionId": "staff", "UserId": "dave"}),
    ("no-collection", {"CollectionId": "nope", "FaceId": CAROL_1}),
    ("no-user", {"CollectionId": "staff", "UserId": "zed"}),
]


def answer(c: Any, params: dict[str, Any]) -> Any:
    """The response without its metadata, or the error's (code, message)."""
    try:
        response = c.search_users(**params)
    except ClientError as exc:
        return (exc.response["Error"]["Code"], exc.response["Error"]["Message"])
    response.pop("ResponseMetadata")
    return response


def run_threads(work: Callable[[int], None]) -> None:
    """Run ``work(i)`` in THREADS threads started together; re-raise the first failure."""
    barrier = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def target(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(i)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    if failures:
        raise failures[0]


@pytest.mark.parametrize("sharing", ["client-per-thread", "one-shared-client"])
def test_concurrent_search_users(client: ClientFactory, sharing: str) -> None:
    with rekostub.stub(fixture=STAFF) as fake:
        single = client()
        expected = {label: answer(single, params) for label, params in QUERIES}
        assert expected["alice-face"]["UserMatches"][0]["User"]["UserId"] == "alice"
        assert expected["no-collection"][0] == "ResourceNotFoundException"
        fake.calls.reset()

        shared = client()
        clients = (
            [shared] * THREADS
            if sharing == "one-shared-client"
            else [client() for _ in range(THREADS)]
        )
        got: list[list[tuple[str, Any]]] = [[] for _ in range(THREADS)]

        def work(i: int) -> None:
            for r in range(ROUNDS):
                label, params = QUERIES[(i + r) % len(QUERIES)]
                got[i].append((label, answer(clients[i], params)))

        run_threads(work)

    for results in got:
        assert len(results) == ROUNDS
        for label, result in results:
            assert result == expected[label], label
    assert len(fake.calls) == THREADS * ROUNDS
    logged = Counter(
        next(label for label, params in QUERIES if params == dict(call.params))
        for call in fake.calls
    )
    asked = Counter(label for results in got for label, _ in results)
    assert logged == asked


LIFECYCLE: dict[str, Any] = {
    "collections": {
        "team": {
            "users": {"anchor": {"faces": [{"identity": "anchor"}]}},
            "faces": [
                {"face_id": f"00000000-0000-4000-8000-{i:012x}", "identity": f"person{i}"}
                for i in range(THREADS)
            ],
        }
    }
}


def test_concurrent_user_lifecycle() -> None:
    with rekostub.stub(fixture=LIFECYCLE) as fake:
        clients = [make_client() for _ in range(THREADS)]

        def work(i: int) -> None:
            c = clients[i]
            face = f"00000000-0000-4000-8000-{i:012x}"
            for r in range(3):
                user = f"t{i}-{r}"
                assert c.create_user(CollectionId="team", UserId=user)["ResponseMetadata"]
                done = c.associate_faces(CollectionId="team", UserId=user, FaceIds=[face])
                assert done["AssociatedFaces"] == [{"FaceId": face}]
                assert done["UnsuccessfulFaceAssociations"] == []
                found = c.search_users(CollectionId="team", FaceId=face)
                assert [m["User"]["UserId"] for m in found["UserMatches"]] == [user]
                assert found["UserMatches"][0]["Similarity"] >= 99
                c.disassociate_faces(CollectionId="team", UserId=user, FaceIds=[face])
                c.delete_user(CollectionId="team", UserId=user)

        run_threads(work)

        final = make_client()
        users = final.list_users(CollectionId="team")["Users"]
        assert [u["UserId"] for u in users] == ["anchor"]
        described = final.describe_collection(CollectionId="team")
        assert described["FaceCount"] == THREADS + 1
        assert described["UserCount"] == 1
    counts = Counter(call.operation for call in fake.calls)
    per_kind = THREADS * 3
    assert counts == {
        "CreateUser": per_kind,
        "AssociateFaces": per_kind,
        "SearchUsers": per_kind,
        "DisassociateFaces": per_kind,
        "DeleteUser": per_kind,
        "ListUsers": 1,
        "DescribeCollection": 1,
    }
    assert all(call.error is None for call in fake.calls)
