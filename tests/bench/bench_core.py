"""Benchmarks for the core (run: ``python tests/bench/bench_core.py``). Prints figures.

1. Per-call SearchUsers on a 1,000-user collection, through a real boto3 client answered by
   rekostub, against botocore's Stubber answering a canned SearchUsers (target <= 1.3x).
   Also printed: botocore's own floor for any answer given at ``before-send`` (a handler that
   returns a constant, pre-encoded response): Stubber answers earlier, at ``before-call``, and
   skips request building, the send path, retries and parsing, which the floor pays.
2. SearchUsers by FaceId over 100,000 users against a bare numpy float32 matrix-vector product
   plus argpartition of the same size (target <= 1.5x).
3. Seconds to load a 100,000-user fixture file, in a fresh process (target < 2 s).
"""

from __future__ import annotations

import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable

import boto3
import botocore
import numpy as np
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.stub import Stubber

import rekostub
from rekostub._engine.embedding import DIM


def users_fixture(n: int) -> dict[str, Any]:
    users = {f"user-{i:06d}": {"faces": [{"identity": f"person-{i}"}]} for i in range(n)}
    return {"collections": {"bench": {"users": users}}}


def per_call(fn: Callable[[], object], *, calls: int, rounds: int = 5) -> float:
    """Best-of-rounds median seconds per call."""
    for _ in range(min(calls, 50)):
        fn()
    results = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        results.append((time.perf_counter() - start) / calls)
    return min(results)


def bench_vs_stubber() -> tuple[float, float, float]:
    calls = 2000
    fake = rekostub.FakeRekognition(users_fixture(1000))
    client = boto3.client("rekognition", region_name="us-east-1")
    with rekostub.stub(client, fake=fake):
        ours = per_call(
            lambda: client.search_users(CollectionId="bench", UserId="user-000001"), calls=calls
        )
        canned = client.search_users(CollectionId="bench", UserId="user-000001")
    canned.pop("ResponseMetadata")

    plain = boto3.client("rekognition", region_name="us-east-1")
    stubber = Stubber(plain)

    def stubbed() -> object:
        stubber.add_response("search_users", canned)
        return plain.search_users(CollectionId="bench", UserId="user-000001")

    with stubber:
        theirs = per_call(stubbed, calls=calls)
    return ours, theirs, bench_floor(canned)


class _Raw(io.BytesIO):
    def stream(self, **_: Any) -> Any:
        yield self.getvalue()


def bench_floor(canned: dict[str, Any]) -> float:
    """botocore's per-call cost when a before-send handler returns a constant answer."""
    body = json.dumps(canned).encode()
    headers = {"x-amzn-RequestId": "0", "Content-Type": "application/x-amz-json-1.1"}

    def constant(request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, 200, headers, _Raw(body))

    unsigned = Config(signature_version=botocore.UNSIGNED)
    client = boto3.session.Session().client("rekognition", region_name="us-east-1", config=unsigned)
    client.meta.events.register_first("before-send.rekognition", constant)
    return per_call(
        lambda: client.search_users(CollectionId="bench", UserId="user-000001"), calls=2000
    )


def bench_vs_numpy() -> tuple[float, float]:
    n = 100_000
    fake = rekostub.FakeRekognition(users_fixture(n))
    col = fake.state.collections["bench"]
    face_id = next(iter(col.faces))
    client = boto3.client("rekognition", region_name="us-east-1")
    with rekostub.stub(client, fake=fake):
        ours = per_call(
            lambda: client.search_users(CollectionId="bench", FaceId=face_id, MaxUsers=10),
            calls=100,
        )
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((n, DIM)).astype(np.float32)
    query = rng.standard_normal(DIM).astype(np.float32)

    def bare() -> object:
        sims = matrix @ query
        return np.argpartition(sims, -10)[-10:]

    theirs = per_call(bare, calls=100)
    return ours, theirs


def bench_load() -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.json")
        with open(path, "w") as fh:
            json.dump(users_fixture(100_000), fh)
        code = (
            "import time, rekostub\nt = time.perf_counter()\n"
            f"f = rekostub.FakeRekognition({path!r})\na = time.perf_counter() - t\n"
            "b = []\n"
            "for _ in range(3):\n"
            f"    t = time.perf_counter(); rekostub.FakeRekognition({path!r}); "
            "b.append(time.perf_counter() - t)\n"
            "print(a, min(b))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    return float(out[0]), float(out[1])


def main() -> None:
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}, boto3 {boto3.__version__}"
    )
    ours, theirs, floor = bench_vs_stubber()
    print(
        f"SearchUsers, 1,000 users: rekostub {ours * 1e6:.0f} us/call, "
        f"Stubber {theirs * 1e6:.0f} us/call, ratio {ours / theirs:.2f}x (target <= 1.3x)"
    )
    print(
        f"  botocore floor for any before-send answer: {floor * 1e6:.0f} us/call "
        f"({floor / theirs:.2f}x Stubber); rekostub adds {(ours - floor) * 1e6:.0f} us "
        f"({ours / floor:.2f}x the floor)"
    )
    ours, theirs = bench_vs_numpy()
    print(
        f"SearchUsers by FaceId, 100,000 users: rekostub {ours * 1e3:.2f} ms/call, "
        f"bare numpy matvec+argpartition {theirs * 1e3:.2f} ms, ratio {ours / theirs:.2f}x "
        f"(target <= 1.5x)"
    )
    first, again = bench_load()
    print(
        f"load a 100,000-user fixture file: {first:.2f} s first (target < 2 s), "
        f"{again:.3f} s for another fake from the same file (parsed once; best of 3)"
    )


if __name__ == "__main__":
    main()
