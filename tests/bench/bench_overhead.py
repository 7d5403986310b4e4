"""Benchmark: what rekostub adds to a call, against botocore's own floor (issue 10).

Run: ``.venv/bin/python tests/bench/bench_overhead.py [calls] [--profile]``. Prints per call:

- rekostub: SearchUsers by UserId on a 1,000-user collection through a real boto3 client;
- the floor: the same call answered by a ``before-send`` handler that returns a constant
  ``AWSResponse`` (pre-encoded body, no work at all): what botocore itself costs for any answer
  given where rekostub gives its own (request building, serialisation, the send path, retries,
  response parsing);
- botocore's ``Stubber`` answering a canned SearchUsers at ``before-call`` (skipping all that).

Target: rekostub <= 1.25x the floor. Measured at 1,000 users (the search itself is a 1,000 x 128
matrix-vector product) and at 10 users (almost only the call path). Rounds alternate between
the three so a busy machine weighs on each alike. Each figure is the median over rounds of the
CPU time per call of this process (``time.process_time``: on a shared machine wall time mostly
measures waiting for a core; the best wall round is printed too); the ratio is the median of
the rounds' rekostub/floor ratios, each pair run back to back. ``--profile`` prints a cProfile
of rekostub's calls (cumulative time, top functions).

Not collected by pytest (``norecursedirs``); figures vary on a shared machine.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import platform
import pstats
import statistics
import sys
import time
from typing import Any, Callable

import boto3
import botocore
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.stub import Stubber

import rekostub

TARGET = 1.25


def users_fixture(n: int) -> dict[str, Any]:
    users = {f"user-{i:06d}": {"faces": [{"identity": f"person-{i}"}]} for i in range(n)}
    return {"collections": {"bench": {"users": users}}}


class _Raw(io.BytesIO):
    def stream(self, **_: Any) -> Any:
        yield self.getvalue()


def _call(client: Any) -> Callable[[], object]:
    return lambda: client.search_users(CollectionId="bench", UserId="user-000001")


def measure(n_users: int, calls: int, rounds: int, profile: bool) -> tuple[float, float]:
    """Prints one size's figures; returns (rekostub, floor) CPU seconds per call."""
    fake = rekostub.FakeRekognition(users_fixture(n_users))
    ours_client = boto3.session.Session().client("rekognition", region_name="us-east-1")
    with rekostub.stub(ours_client, fake=fake):
        canned = ours_client.search_users(CollectionId="bench", UserId="user-000001")
    canned.pop("ResponseMetadata")
    body = json.dumps(canned).encode()
    headers = {"x-amzn-RequestId": "0", "Content-Type": "application/x-amz-json-1.1"}

    def constant(request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, 200, headers, _Raw(body))

    unsigned = Config(signature_version=botocore.UNSIGNED)
    floor_client = boto3.session.Session().client(
        "rekognition", region_name="us-east-1", config=unsigned
    )
    floor_client.meta.events.register_first("before-send.rekognition", constant)

    stub_client = boto3.session.Session().client("rekognition", region_name="us-east-1")
    stubber = Stubber(stub_client)

    def stubbed() -> object:
        stubber.add_response("search_users", canned)
        return stub_client.search_users(CollectionId="bench", UserId="user-000001")

    runs: dict[str, Callable[[], object]] = {
        "rekostub": _call(ours_client),
        "floor": _call(floor_client),
        "Stubber": stubbed,
    }
    cpu: dict[str, list[float]] = {name: [] for name in runs}  # per round: CPU s per call
    wall = dict.fromkeys(runs, float("inf"))
    with rekostub.stub(ours_client, fake=fake), stubber:
        fake.calls.size = 0  # the log's own cost is a deque append; keep memory flat here
        for fn in runs.values():
            for _ in range(200):
                fn()
        order = list(runs.items())
        for i in range(rounds):
            for name, fn in order if i % 2 else order[::-1]:
                start, start_cpu = time.perf_counter(), time.process_time()
                for _ in range(calls):
                    fn()
                cpu[name].append((time.process_time() - start_cpu) / calls)
                wall[name] = min(wall[name], (time.perf_counter() - start) / calls)
        if profile:
            profiler = cProfile.Profile()
            profiler.runcall(lambda: [runs["rekostub"]() for _ in range(calls)])
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
            print(out.getvalue())
    ours, floor, theirs = (statistics.median(cpu[name]) for name in runs)
    # The ratio of each round's rekostub and floor (run back to back), median over rounds:
    # steadier on a busy machine than a ratio of two separate bests.
    ratio = statistics.median(o / f for o, f in zip(cpu["rekostub"], cpu["floor"]))
    print(
        f"SearchUsers by UserId, {n_users:,} users ({calls} calls x {rounds} rounds), median CPU: "
        f"rekostub {ours * 1e6:.0f} us/call, before-send floor {floor * 1e6:.0f} us/call, "
        f"Stubber {theirs * 1e6:.0f} us/call; best wall: {wall['rekostub'] * 1e6:.0f} / "
        f"{wall['floor'] * 1e6:.0f} / {wall['Stubber'] * 1e6:.0f} us/call"
    )
    print(
        f"  rekostub adds {(ours - floor) * 1e6:.0f} us to the floor: {ratio:.2f}x (median of "
        f"paired rounds) "
        f"(target <= {TARGET}x) {'MET' if ratio <= TARGET else 'MISSED'}; "
        f"{ours / theirs:.2f}x Stubber"
    )
    return ours, floor


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    calls = int(args[0]) if args else 100
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores (shared, busy), Python "
        f"{platform.python_version()}, boto3 {boto3.__version__}, botocore {botocore.__version__}"
    )
    for n_users in (1000, 10):
        measure(n_users, calls, 150, "--profile" in sys.argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
