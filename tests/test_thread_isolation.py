"""Which stub answers which thread or asyncio task (issue 13, item 1).

A stub entered in a thread or task covers that thread's or task's calls; a thread or task with
no stub of its own is answered by the most recently entered stub in force in the process, never
sent. Every client here points at a loopback listener, so a call that escaped would be counted.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import pytest
from botocore.exceptions import BotoCoreError
from conftest import STAFF, Listener, make_client, write_json

import rekostub
from rekostub._entry.activation import Activation, activate, deactivate

NO_RETRIES = {"total_max_attempts": 1, "mode": "standard"}
TIMEOUT = 30


@pytest.fixture
def offline(listener: Listener) -> Iterator[Callable[[], Any]]:
    """``offline()``: a new real boto3 client whose requests, were any sent, reach the listener."""
    made: list[Any] = []

    def factory() -> Any:
        c = make_client(
            endpoint_url=listener.url, retries=NO_RETRIES, connect_timeout=2, read_timeout=2
        )
        made.append(c)
        return c

    yield factory
    for c in made:
        c.close()
    assert listener.connections == 0


def collections_of(c: Any) -> list[str]:
    return list(c.list_collections()["CollectionIds"])


def in_thread(target: Callable[[], Any]) -> Any:
    """Run ``target`` in a new thread (which starts with an empty context) and return its
    result, re-raising what it raised."""
    out: list[Any] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            out.append(target())
        except BaseException as exc:
            failure.append(exc)

    t = threading.Thread(target=run)
    t.start()
    t.join(timeout=TIMEOUT)
    assert not t.is_alive()
    if failure:
        raise failure[0]
    return out[0]


def test_two_threads_each_in_their_own_stub_see_only_their_own_fake(
    offline: Callable[[], Any],
) -> None:
    both_inside = threading.Barrier(2, timeout=TIMEOUT)
    both_created = threading.Barrier(2, timeout=TIMEOUT)
    seen: dict[str, list[str]] = {}
    fakes: dict[str, rekostub.FakeRekognition] = {}

    def work(name: str) -> None:
        c = offline()
        with rekostub.stub() as fake:
            fakes[name] = fake
            both_inside.wait()  # both stubs in force at once from here on
            c.create_collection(CollectionId=f"only-{name}")
            both_created.wait()
            seen[name] = collections_of(c)

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=TIMEOUT)
    assert seen == {"a": ["only-a"], "b": ["only-b"]}
    for name, fake in fakes.items():
        assert [call.operation for call in fake.calls] == ["CreateCollection", "ListCollections"]
        assert fake.calls[0].params == {"CollectionId": f"only-{name}"}


def test_a_worker_thread_is_answered_by_the_test_stub(offline: Callable[[], Any]) -> None:
    c = offline()
    with rekostub.stub(fixture=STAFF) as fake, ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: collections_of(c), range(4)))
        shared_from_worker = pool.submit(lambda: offline().create_collection(CollectionId="w"))
        shared_from_worker.result(timeout=TIMEOUT)
        assert collections_of(c) == ["staff", "w"]
    assert answers == [["staff"]] * 4
    assert len(fake.calls.of("ListCollections")) == 5


def test_a_thread_without_a_stub_gets_the_most_recently_entered_one(
    offline: Callable[[], Any],
) -> None:
    c = offline()
    entered = threading.Event()
    leave = threading.Event()

    def other_thread_stub() -> None:
        with rekostub.stub() as fake:
            fake_b.append(fake)
            c.create_collection(CollectionId="from-b")
            entered.set()
            assert leave.wait(TIMEOUT)

    fake_b: list[rekostub.FakeRekognition] = []
    with rekostub.stub(fixture=STAFF):
        assert in_thread(lambda: collections_of(c)) == ["staff"]  # main's stub: the only one
        b = threading.Thread(target=other_thread_stub)
        b.start()
        try:
            assert entered.wait(TIMEOUT)
            # main keeps its own stub; a thread with none gets the newest: b's
            assert collections_of(c) == ["staff"]
            assert in_thread(lambda: collections_of(c)) == ["from-b"]
        finally:
            leave.set()
            b.join(timeout=TIMEOUT)
        assert in_thread(lambda: collections_of(c)) == ["staff"]  # b left: main's again
    assert len(fake_b[0].calls) == 2


def test_no_stub_anywhere_means_not_intercepted(
    listener: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: the same thread route with no stub in force does reach the listener."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    c = make_client(endpoint_url=listener.url, retries=NO_RETRIES, connect_timeout=2)
    with rekostub.stub():
        pass
    with pytest.raises(BotoCoreError):
        in_thread(lambda: c.list_collections())
    assert listener.connections >= 1
    c.close()


def test_a_stub_on_given_clients_covers_them_in_every_thread(offline: Callable[[], Any]) -> None:
    mine, other = offline(), offline()
    with rekostub.stub(fixture=STAFF), rekostub.stub(mine) as just_mine:
        mine.create_collection(CollectionId="mine")
        assert in_thread(lambda: collections_of(mine)) == ["mine"]
        assert in_thread(lambda: collections_of(other)) == ["staff"]
    assert len(just_mine.calls) == 2


def test_a_thread_own_stub_wins_over_another_thread_newer_one(
    offline: Callable[[], Any],
) -> None:
    c = offline()
    outer_entered = threading.Event()
    newer_entered = threading.Event()
    done = threading.Event()
    seen: list[list[str]] = []

    def own() -> None:
        with rekostub.stub(fixture=STAFF):
            outer_entered.set()
            assert newer_entered.wait(TIMEOUT)
            seen.append(collections_of(c))
        done.set()

    t = threading.Thread(target=own)
    t.start()
    assert outer_entered.wait(TIMEOUT)
    with rekostub.stub():  # newer, entered by the main thread
        newer_entered.set()
        assert done.wait(TIMEOUT)
        assert collections_of(c) == []
    t.join(timeout=TIMEOUT)
    assert seen == [["staff"]]


def test_one_stub_object_entered_in_two_threads(offline: Callable[[], Any]) -> None:
    shared = rekostub.stub(fixture=STAFF)
    c = offline()
    a_inside, b_inside, a_left = threading.Event(), threading.Event(), threading.Event()
    seen: list[list[str]] = []

    def a() -> None:
        with shared as fake:
            fake_a.append(fake)
            c.create_collection(CollectionId="a")
            a_inside.set()
            assert b_inside.wait(TIMEOUT)
        a_left.set()

    fake_a: list[rekostub.FakeRekognition] = []
    t = threading.Thread(target=a)
    t.start()
    assert a_inside.wait(TIMEOUT)
    with shared as fake_b:
        b_inside.set()
        assert a_left.wait(TIMEOUT)
        seen.append(collections_of(c))  # a leaving took a's fake out, not this one
    t.join(timeout=TIMEOUT)
    assert seen == [["staff"]]
    assert fake_a[0] is not fake_b
    assert len(fake_b.calls) == 1


def test_a_context_copied_inside_a_stub_does_not_keep_it_after_it_is_left(
    offline: Callable[[], Any],
) -> None:
    c = offline()
    with rekostub.stub(fixture=STAFF):
        with rekostub.stub():
            copied = contextvars.copy_context()
            assert copied.run(collections_of, c) == []
        assert copied.run(collections_of, c) == ["staff"]  # the inner one is no longer in force


def test_stop_from_another_thread_than_start(offline: Callable[[], Any]) -> None:
    c = offline()
    with rekostub.stub(fixture=STAFF):
        inner = rekostub.stub()
        inner.start()
        assert collections_of(c) == []
        in_thread(inner.stop)
        assert collections_of(c) == ["staff"]


# -- REKOSTUB_FIXTURE's process-wide fake: under every stub, whenever it starts -------------------


def test_a_base_activation_started_inside_a_stub_answers_only_what_no_stub_covers(
    offline: Callable[[], Any],
) -> None:
    """As REKOSTUB_FIXTURE's fake starting at the first client, built inside a test's stub."""
    c = offline()
    env = Activation(rekostub.FakeRekognition({"collections": {"env": {}}}).handle)
    try:
        with rekostub.stub(fixture=STAFF):
            activate(env, base=True)
            assert collections_of(c) == ["staff"]
            assert in_thread(lambda: collections_of(c)) == ["staff"]
        assert collections_of(c) == ["env"]  # no stub left: the base answers, in every thread
        assert in_thread(lambda: collections_of(c)) == ["env"]
        with rekostub.stub():
            assert collections_of(c) == []
    finally:
        deactivate(env)


ENV_CHILD = """
import sys, threading
import boto3
import rekostub

with rekostub.stub(fixture={"collections": {"staff": {}}}):
    c = boto3.client("rekognition", region_name="us-east-1", endpoint_url=sys.argv[1])
    print(c.list_collections()["CollectionIds"])
    seen = []
    t = threading.Thread(target=lambda: seen.append(c.list_collections()["CollectionIds"]))
    t.start()
    t.join()
    print(seen[0])
print(c.list_collections()["CollectionIds"])
"""


def test_a_stub_in_a_rekostub_fixture_process_wins_over_the_environment_fake(
    tmp_path: Path, listener: Listener
) -> None:
    fixture = write_json(tmp_path / "env.json", {"collections": {"env": {}}})
    env = {**os.environ, "REKOSTUB_FIXTURE": str(fixture), "HTTPS_PROXY": listener.url}
    done = subprocess.run(
        [sys.executable, "-c", ENV_CHILD, listener.url],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["['staff']", "['staff']", "['env']"]
    assert listener.connections == 0


# -- asyncio tasks (sync clients here; tests/test_async.py does the same with aiobotocore) ------


class Rendezvous:
    """An asyncio barrier for ``parties`` tasks (``asyncio.Barrier`` needs Python 3.11)."""

    def __init__(self, parties: int) -> None:
        self.parties = parties
        self.arrived = 0
        self.event = asyncio.Event()

    async def wait(self) -> None:
        self.arrived += 1
        if self.arrived % self.parties == 0:
            self.event.set()
            self.event = asyncio.Event()
            return
        await self.event.wait()


def test_asyncio_tasks_each_in_their_own_stub_are_isolated(offline: Callable[[], Any]) -> None:
    c = offline()

    async def task(name: str, meet: Rendezvous) -> list[str]:
        with rekostub.stub():
            await meet.wait()  # both stubs in force at once from here on
            c.create_collection(CollectionId=f"only-{name}")
            await meet.wait()  # both created before either lists
            return collections_of(c)

    async def main() -> list[list[str]]:
        meet = Rendezvous(2)
        return list(await asyncio.gather(task("a", meet), task("b", meet)))

    assert asyncio.run(main()) == [["only-a"], ["only-b"]]


def test_tasks_and_to_thread_started_inside_a_stub_are_covered(
    offline: Callable[[], Any],
) -> None:
    c = offline()

    async def listed() -> list[str]:
        return collections_of(c)

    async def main() -> tuple[list[str], list[str]]:
        with rekostub.stub() as fake:
            fake_.append(fake)
            c.create_collection(CollectionId="inside")
            in_task = await asyncio.create_task(listed())
            in_thread_ = await asyncio.to_thread(collections_of, c)
            return in_task, in_thread_

    fake_: list[rekostub.FakeRekognition] = []
    with rekostub.stub(fixture=STAFF):  # the outer one must not answer them
        assert asyncio.run(main()) == (["inside"], ["inside"])
    assert len(fake_[0].calls) == 3
