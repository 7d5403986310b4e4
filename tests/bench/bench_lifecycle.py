"""Benchmark: per-call cost of AssociateFaces and CreateUser as a collection grows.

Run: ``python tests/bench/bench_lifecycle.py``. Prints figures; not collected by pytest.

A collection of 1,000 and one of 100,000 users (one face each, built from a fixture dict),
then, through a real boto3 client answered by rekostub:

* AssociateFaces: one loose face of the user's own identity per call, users spread over the
  whole collection (threshold-checked against the user's vector, which is then recomputed);
* CreateUser: a new user per call.

Also the same calls straight into ``FakeRekognition.handle`` (no botocore), where the fake's
own cost is not hidden under the client's. Target: the 100k/1k ratio is flat (about 1x).
"""

from __future__ import annotations

import platform
import statistics
import time
import uuid
from collections.abc import Iterator
from typing import Any, Callable

import boto3

import rekostub

COLLECTION = "bench"


def face_id(kind: str, i: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"{kind}/{i}"))


def owner(j: int, n_users: int) -> int:
    """The user loose face ``j`` is meant for: spread over the whole collection."""
    return (j * 7919) % n_users  # 7919 is prime: coprime with 1,000 and 100,000


def fixture(n_users: int, n_loose: int) -> dict[str, Any]:
    users = {
        f"user-{i:06d}": {"faces": [{"face_id": face_id("on", i), "identity": f"p{i}"}]}
        for i in range(n_users)
    }
    loose = [
        {"face_id": face_id("loose", j), "identity": f"p{owner(j, n_users)}"}
        for j in range(n_loose)
    ]
    return {"collections": {COLLECTION: {"users": users, "faces": loose}}}


def interleaved(
    small: Iterator[Callable[[], object]],
    large: Iterator[Callable[[], object]],
    n: int,
    rounds: int,
) -> tuple[float, float]:
    """Median seconds per call for each side, rounds alternating between the two sides.

    Alternating keeps the comparison fair on a shared machine whose load drifts.
    """
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for side, calls in enumerate((small, large)):
            batch = [next(calls) for _ in range(n)]
            start = time.perf_counter()
            for call in batch:
                call()
            times[side].append((time.perf_counter() - start) / n)
    return statistics.median(times[0]), statistics.median(times[1])


def associate_calls(
    send: Callable[..., object], n_users: int, n_loose: int
) -> Iterator[Callable[[], object]]:
    """Loose face j onto its user, each face once (a user gets a few faces at most)."""
    for j in range(n_loose):
        params = {
            "CollectionId": COLLECTION,
            "UserId": f"user-{owner(j, n_users):06d}",
            "FaceIds": [face_id("loose", j)],
        }
        yield lambda p=params: send("AssociateFaces", p)


def create_calls(send: Callable[..., object]) -> Iterator[Callable[[], object]]:
    k = 0
    while True:
        params = {"CollectionId": COLLECTION, "UserId": f"new-{k:07d}"}
        k += 1
        yield lambda p=params: send("CreateUser", p)


def via_client(client: Any) -> Callable[[str, dict[str, Any]], object]:
    methods = {"AssociateFaces": client.associate_faces, "CreateUser": client.create_user}

    def send(op: str, params: dict[str, Any]) -> object:
        response = methods[op](**params)
        if op == "AssociateFaces":
            assert response["AssociatedFaces"], response
        return response

    return send


def via_handle(fake: rekostub.FakeRekognition) -> Callable[[str, dict[str, Any]], object]:
    def send(op: str, params: dict[str, Any]) -> object:
        # what botocore would add: a fresh idempotency token
        body = {**params, "ClientRequestToken": uuid.uuid4().hex}
        response = fake.handle(op, body, "us-east-1")
        if op == "AssociateFaces":
            assert response["AssociatedFaces"], response
        return response

    return send


class Side:
    """One collection size: a fake for client calls and one for direct ``handle`` calls."""

    def __init__(self, n_users: int, n_loose: int) -> None:
        self.n_users = n_users
        self.n_loose = n_loose
        start = time.perf_counter()
        data = fixture(n_users, n_loose)
        self.fake = rekostub.FakeRekognition(data)
        self.build_s = time.perf_counter() - start
        self.direct = rekostub.FakeRekognition(data)
        self.client = boto3.client("rekognition", region_name="us-east-1")
        self.stub = rekostub.stub(self.client, fake=self.fake)
        self.stub.start()
        self.client.list_users(CollectionId=COLLECTION, MaxResults=1)  # warm up

    def calls(self, op: str, direct: bool) -> Iterator[Callable[[], object]]:
        send = via_handle(self.direct) if direct else via_client(self.client)
        if op == "AssociateFaces":
            return associate_calls(send, self.n_users, self.n_loose)
        return create_calls(send)


def main() -> None:
    calls, rounds = 300, 9
    print(
        f"rekostub lifecycle benchmark  (Python {platform.python_version()}, {platform.machine()})"
    )
    print(
        f"{calls} calls x {rounds} rounds per figure (rounds alternate between the sizes), "
        "median round; one face per user\n"
    )
    small = Side(1_000, calls * rounds)
    large = Side(100_000, calls * rounds)
    print(f"fixture build: 1k users {small.build_s:.2f} s, 100k users {large.build_s:.2f} s\n")
    print(f"{'per call':<34}{'1k users':>12}{'100k users':>14}{'100k/1k':>10}")
    for direct in (False, True):
        for op in ("AssociateFaces", "CreateUser"):
            a, b = interleaved(small.calls(op, direct), large.calls(op, direct), calls, rounds)
            label = f"{op:<15}({'fake.handle' if direct else 'boto3 client'})"
            print(f"{label:<34}{a * 1e6:>10.1f}µs{b * 1e6:>12.1f}µs{b / a:>9.2f}x")
    small.stub.stop()
    large.stub.stop()
    print("\ntarget: 100k/1k about 1x (flat)")


if __name__ == "__main__":
    main()
