"""``rekostub.stub``: context manager, decorator, start/stop, per-client stubs and nesting."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Any

import boto3
import pytest
from botocore.exceptions import BotoCoreError, NoCredentialsError
from conftest import ALICE_1, REGION, STAFF, ClientFactory, Listener

import rekostub

OTHER: dict[str, Any] = {
    "collections": {"other": {"users": {"zoe": {"faces": [{"identity": "zoe"}]}}}}
}
NO_RETRIES = {"total_max_attempts": 1, "mode": "standard"}


def answered_by_staff(c: Any) -> bool:
    """True if ``c`` is answered by a fake holding STAFF (and not by one holding OTHER)."""
    try:
        c.search_users(CollectionId="staff", UserId="alice")
    except c.exceptions.ResourceNotFoundException:
        return False
    return True


def not_intercepted(c: Any) -> bool:
    """With no credentials in the environment, an un-stubbed call fails to sign (never sent)."""
    try:
        c.search_users(CollectionId="staff", UserId="alice")
    except NoCredentialsError:
        return True
    return False


@pytest.fixture
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


# -- the context manager --------------------------------------------------------------------------


def test_context_manager_returns_the_fake(client: ClientFactory) -> None:
    with rekostub.stub(fixture=STAFF) as fake:
        assert isinstance(fake, rekostub.FakeRekognition)
        response = client().search_users(CollectionId="staff", FaceId=ALICE_1)
    assert response["UserMatches"][0]["User"]["UserId"] == "alice"
    assert [c.operation for c in fake.calls] == ["SearchUsers"]


def test_clients_created_before_entering_are_intercepted(client: ClientFactory) -> None:
    before = client()
    with rekostub.stub(fixture=STAFF):
        inside = client()
        assert answered_by_staff(before)
        assert answered_by_staff(inside)
    assert not_intercepted(before)
    assert not_intercepted(inside)


def test_boto3_default_session_clients_are_intercepted() -> None:
    boto3.setup_default_session()  # a fresh default session (the environment changed)
    c = boto3.client("rekognition", region_name=REGION)
    with rekostub.stub(fixture=STAFF):
        assert answered_by_staff(c)


def test_exit_on_exception_restores(client: ClientFactory) -> None:
    c = client()
    with pytest.raises(ValueError, match="inside"), rekostub.stub(fixture=STAFF):
        raise ValueError("inside")
    assert not_intercepted(c)


def test_fake_is_reused_and_fixture_or_fake_not_both(client: ClientFactory) -> None:
    fake = rekostub.FakeRekognition(STAFF)
    with rekostub.stub(fake=fake) as got:
        assert got is fake
        client().search_users(CollectionId="staff", UserId="alice")
    with rekostub.stub(fake=fake):
        client().search_users(CollectionId="staff", UserId="bob")
    assert [c.params["UserId"] for c in fake.calls] == ["alice", "bob"]
    with pytest.raises(TypeError, match="not both"):
        rekostub.stub(fixture=STAFF, fake=fake)


def test_start_and_stop(client: ClientFactory) -> None:
    c = client()
    s = rekostub.stub(fixture=STAFF)
    fake = s.start()
    try:
        assert answered_by_staff(c)
        assert len(fake.calls) == 1
    finally:
        s.stop()
    assert not_intercepted(c)


# -- the decorator --------------------------------------------------------------------------------


def test_decorator_gives_a_fresh_fake_per_call_and_injects_it(client: ClientFactory) -> None:
    seen: list[rekostub.FakeRekognition] = []

    @rekostub.stub(fixture=STAFF)
    def check(n: int, fake_rekognition: rekostub.FakeRekognition) -> int:
        seen.append(fake_rekognition)
        c = client()
        assert answered_by_staff(c)  # the previous call's change below is not visible
        fake_rekognition.state.remove_collection("staff")
        assert not answered_by_staff(c)
        return n * 2

    assert check(1) == 2
    assert check(2) == 4
    assert len(seen) == 2
    assert seen[0] is not seen[1]
    assert len(seen[0].calls) == len(seen[1].calls) == 2
    assert not_intercepted(client())


def test_decorator_without_the_parameter(client: ClientFactory) -> None:
    @rekostub.stub(fixture=STAFF)
    def check() -> bool:
        return answered_by_staff(client())

    assert check() is True
    assert check.__name__ == "check"


def test_decorator_on_a_coroutine_function(client: ClientFactory) -> None:
    @rekostub.stub(fixture=STAFF)
    async def check(fake_rekognition: rekostub.FakeRekognition) -> int:
        answered_by_staff(client())
        return len(fake_rekognition.calls)

    assert asyncio.run(check()) == 1


# -- per-client stubs -----------------------------------------------------------------------------


def test_stub_of_one_client_covers_only_that_client(
    fake_credentials: None, listener: Listener, client: ClientFactory
) -> None:
    covered = client(endpoint_url=listener.url, retries=NO_RETRIES, connect_timeout=2)
    uncovered = client(endpoint_url=listener.url, retries=NO_RETRIES, connect_timeout=2)
    with rekostub.stub(covered, fixture=STAFF) as fake:
        assert answered_by_staff(covered)
        assert listener.connections == 0
        with pytest.raises(BotoCoreError):  # it really went to the network: the listener
            uncovered.search_users(CollectionId="staff", UserId="alice")
        assert listener.connections >= 1
    assert len(fake.calls) == 1


def test_stub_of_one_client_ends_with_the_block(client: ClientFactory) -> None:
    c = client()
    with rekostub.stub(c, fixture=STAFF):
        assert answered_by_staff(c)
    assert not_intercepted(c)


def test_stub_rejects_what_is_not_a_rekognition_client() -> None:
    s3 = boto3.session.Session().client("s3", region_name=REGION)
    with pytest.raises(TypeError, match="Rekognition clients"):
        rekostub.stub(s3)
    with pytest.raises(TypeError, match="Rekognition clients"):
        rekostub.stub("staff.json")  # a fixture passed positionally by mistake


_PRE_IMPORT = """
import boto3
c = boto3.client("rekognition", region_name="us-east-1")
import rekostub
with rekostub.stub(c, fixture={"collections": {"staff": {"users": {"alice": {}}}}}):
    r = c.search_users(CollectionId="staff", UserId="alice")
print(r["SearchedUser"]["UserId"])
"""


def _run_child(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with fake credentials; it must succeed."""
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "HTTPS_PROXY": "http://127.0.0.1:9",  # the discard port: a leak would fail, not reach AWS
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done


def test_stub_of_a_client_created_before_import_rekostub() -> None:
    done = _run_child(_PRE_IMPORT)
    assert done.stdout.strip() == "alice"


_PRE_IMPORT_NESTED = """
import boto3
c = boto3.client("rekognition", region_name="us-east-1")
import rekostub
outer = rekostub.stub(c, fixture={"collections": {"outer": {}}})
inner = rekostub.stub(c, fixture={"collections": {"inner": {}}})
outer.start()
inner.start()
outer.stop()  # out of order: inner still covers c, so c must still be answered
print(c.list_collections()["CollectionIds"])
inner.stop()
"""


def test_per_client_stubs_left_out_of_order_keep_the_client_covered() -> None:
    done = _run_child(_PRE_IMPORT_NESTED)
    assert done.stdout.strip() == "['inner']"


# -- nesting --------------------------------------------------------------------------------------


def test_inner_stub_wins_and_leaving_restores_the_outer(client: ClientFactory) -> None:
    c = client()
    with rekostub.stub(fixture=STAFF) as outer:
        assert answered_by_staff(c)
        with rekostub.stub(fixture=OTHER) as inner:
            assert not answered_by_staff(c)
            c.search_users(CollectionId="other", UserId="zoe")
        assert answered_by_staff(c)
    assert not_intercepted(c)
    assert [call.params["CollectionId"] for call in inner.calls] == ["staff", "other"]
    assert [call.params["CollectionId"] for call in outer.calls] == ["staff", "staff"]


def test_an_exception_in_the_inner_stub_restores_the_outer(client: ClientFactory) -> None:
    c = client()

    def inner_fails() -> None:
        with rekostub.stub(fixture=OTHER):
            assert not answered_by_staff(c)
            raise RuntimeError("inner")

    with rekostub.stub(fixture=STAFF):
        with pytest.raises(RuntimeError, match="inner"):
            inner_fails()
        assert answered_by_staff(c)
    assert not_intercepted(c)


def test_leaving_the_outer_before_the_inner(client: ClientFactory) -> None:
    c = client()
    outer = rekostub.stub(fixture=STAFF)
    inner = rekostub.stub(fixture=OTHER)
    outer.start()
    inner_fake = inner.start()
    outer.stop()  # out of order: the inner one stays in force
    assert not answered_by_staff(c)
    assert len(inner_fake.calls) == 1
    inner.stop()
    assert not_intercepted(c)


def test_inner_stub_of_one_client_inside_a_global_stub(client: ClientFactory) -> None:
    a, b = client(), client()
    with rekostub.stub(fixture=STAFF):
        with rekostub.stub(a, fixture=OTHER):
            assert not answered_by_staff(a)
            assert answered_by_staff(b)
        assert answered_by_staff(a)
    assert not_intercepted(a)
    assert not_intercepted(b)


def test_decorated_calls_in_two_threads_each_keep_their_own_fake() -> None:
    """A exits while B is still inside: B must still be answered by B's own fake."""
    import threading

    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    answered_by_b: list[int] = []

    @rekostub.stub(fixture={"collections": {"c": {}}})
    def run(role: str, fake_rekognition: rekostub.FakeRekognition) -> None:
        if role == "a":
            a_in.set()
            assert b_in.wait(10)
            return  # A leaves while B is inside
        b_in.set()
        assert a_out.wait(10)
        boto3.client("rekognition", region_name=REGION).create_user(CollectionId="c", UserId="u")
        answered_by_b.append(len(fake_rekognition.calls))

    thread_a = threading.Thread(target=run, args=("a",))
    thread_b = threading.Thread(target=run, args=("b",))
    thread_a.start()
    assert a_in.wait(10)
    thread_b.start()
    thread_a.join(10)
    a_out.set()
    thread_b.join(10)
    assert answered_by_b == [1]
