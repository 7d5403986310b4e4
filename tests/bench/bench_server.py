"""Benchmark: SearchUsers through ``rekostub.serve`` against the in-process hook (run:
``python tests/bench/bench_server.py [calls]``). Prints figures, asserts nothing.

Both answer a real boto3 client from the same 1,000-user fixture. In process, botocore's
``before-send`` hook answers without a socket; through the server, the request is signed
(dummy credentials), sent over loopback HTTP/1.1 keep-alive, parsed by the standard library's
threading HTTP server and answered by the same wire core. The server runs twice: on a thread
of this process (``rekostub.serve``: client and server share one GIL) and as its own process
(``python -m rekostub serve``, as a JavaScript or CLI client would use it). Printed: per-call
latency (median, p95) and requests per second from one client thread, then from 4 threads
(4 clients), and the ratios server / in process.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any, Callable

import boto3
import botocore
from botocore.config import Config

import rekostub

USERS = 1_000
THREADS = 4


def users_fixture(n: int) -> dict[str, Any]:
    users = {f"user-{i:06d}": {"faces": [{"identity": f"person-{i}"}]} for i in range(n)}
    return {"collections": {"bench": {"users": users}}}


def in_process_client() -> Any:
    return boto3.session.Session().client(
        "rekognition", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1})
    )


def server_client(url: str) -> Any:
    session = boto3.session.Session(
        aws_access_key_id="AKIDBENCH", aws_secret_access_key="bench", region_name="us-east-1"
    )
    return session.client(
        "rekognition", endpoint_url=url, config=Config(retries={"total_max_attempts": 1})
    )


def latencies(call: Callable[[], Any], n: int) -> list[float]:
    for _ in range(min(50, n)):  # warm up: connections, caches
        call()
    out = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return out


def throughput(make_call: Callable[[], Callable[[], Any]], n_per_thread: int) -> float:
    calls = [make_call() for _ in range(THREADS)]
    for call in calls:
        call()
    barrier = threading.Barrier(THREADS + 1)

    def work(call: Callable[[], Any]) -> None:
        barrier.wait()
        for _ in range(n_per_thread):
            call()

    threads = [threading.Thread(target=work, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return THREADS * n_per_thread / (time.perf_counter() - start)


def describe(label: str, times: list[float]) -> tuple[float, float]:
    median = statistics.median(times)
    p95 = sorted(times)[int(len(times) * 0.95)]
    rate = len(times) / sum(times)
    print(
        f"  {label:<16} median {median * 1e3:7.3f} ms   p95 {p95 * 1e3:7.3f} ms   {rate:8.0f} req/s"
    )
    return median, rate


@contextlib.contextmanager
def server_process(fixture: dict[str, Any]) -> Iterator[str]:
    """``python -m rekostub serve`` on a free port; yields its URL."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.json")
        with open(path, "w", encoding="utf-8") as out:
            json.dump(fixture, out)
        command = [sys.executable, "-m", "rekostub", "serve", "--quiet", "--port", "0"]
        proc = subprocess.Popen(
            [*command, "--fixture", path],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert proc.stdout is not None
            yield proc.stdout.readline().strip()
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(
        f"rekostub server benchmark: Python {platform.python_version()}, botocore "
        f"{botocore.__version__}, {os.cpu_count()} CPUs; SearchUsers by UserId over {USERS:,} "
        f"users, {n} calls"
    )
    document = users_fixture(USERS)
    fixture = rekostub.load_fixture(document)
    params = {"CollectionId": "bench", "UserId": "user-000007", "MaxUsers": 5}

    def search(client: Any) -> Callable[[], Any]:
        return lambda: client.search_users(**params)

    print("one client thread (per-call latency):")
    with rekostub.stub(fixture=fixture):
        hook = describe("in process", latencies(search(in_process_client()), n))
    with rekostub.serve(fixture=fixture) as server:
        threaded = describe("server thread", latencies(search(server_client(server.url)), n))
    with server_process(document) as url:
        process = describe("server process", latencies(search(server_client(url)), n))
    for label, (median, rate) in (("server thread", threaded), ("server process", process)):
        print(
            f"  ratio {label} / in process: latency x{median / hook[0]:.2f}, "
            f"requests/s x{rate / hook[1]:.2f}"
        )

    print(f"{THREADS} client threads (requests/s, all threads together):")
    per_thread = max(1, n // THREADS)
    with rekostub.stub(fixture=fixture):
        hook_total = throughput(lambda: search(in_process_client()), per_thread)
    with rekostub.serve(fixture=fixture) as server:
        thread_total = throughput(lambda: search(server_client(server.url)), per_thread)
    with server_process(document) as url:
        process_total = throughput(lambda: search(server_client(url)), per_thread)
    print(f"  in process       {hook_total:8.0f} req/s")
    for label, total in (("server thread", thread_total), ("server process", process_total)):
        print(f"  {label:<16} {total:8.0f} req/s   ratio / in process x{total / hook_total:.2f}")


if __name__ == "__main__":
    main()
