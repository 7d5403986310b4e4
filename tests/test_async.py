"""aiobotocore and aioboto3 clients: answered by the same fake as boto3, never sent (issue 8).

Real async clients under pytest-asyncio. A loopback listener is each client's ``endpoint_url``
or its proxy; every test asserts it accepted no connection, and the control tests show that an
async client nothing covers does reach it. aiobotocore pins botocore to a narrow range, so these
tests run in their own virtualenvs (``bash .ci/async``); elsewhere the module is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Callable

import botocore.exceptions
import pytest
import pytest_asyncio
from botocore.exceptions import BotoCoreError
from conftest import ALICE_1, ALICE_85, REGION, STAFF, Listener, make_client, write_json

import rekostub
from rekostub._operations import registry as _registry

pytest.importorskip(
    "aiobotocore",
    reason="aiobotocore is not installed here (it pins an older botocore): run `bash .ci/async`",
)

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session

NO_RETRIES = {"total_max_attempts": 1, "mode": "standard"}
STANDARD = {"mode": "standard"}  # 3 attempts in all
KINDS = ["aiobotocore", "aioboto3"]
ROUTES = ["endpoint_url", "proxy"]

OpenClient = Callable[..., contextlib.AbstractAsyncContextManager[Any]]


@contextlib.asynccontextmanager
async def open_client(
    kind: str, endpoint_url: str | None = None, **config: Any
) -> AsyncIterator[Any]:
    """A real async Rekognition client: aiobotocore's, or aioboto3's."""
    options = AioConfig(connect_timeout=2, read_timeout=2, **config)
    if kind == "aioboto3":
        aioboto3 = pytest.importorskip("aioboto3", reason="aioboto3 is not installed")
        factory = aioboto3.Session().client
    else:
        factory = get_session().create_client
    async with factory(
        "rekognition", region_name=REGION, endpoint_url=endpoint_url, config=options
    ) as c:
        yield c


@pytest.fixture(autouse=True)
def _fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials that could sign, so a call that was not answered would really be sent."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """aiobotocore's retries really happen, without their sleeps."""
    monkeypatch.setattr(
        "botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0
    )


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=ROUTES)
def escape(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, listener: Listener, kind: str
) -> Iterator[OpenClient]:
    """``escape(**config)``: an async client whose requests, were any sent, reach the listener."""
    if request.param == "proxy":
        monkeypatch.setenv("HTTPS_PROXY", listener.url)
        monkeypatch.setenv("HTTP_PROXY", listener.url)
        yield lambda **config: open_client(kind, **config)
    else:
        yield lambda **config: open_client(kind, endpoint_url=listener.url, **config)
    assert listener.connections == 0


# -- controls: the listener does catch an async client that escapes ------------------------------


def backend(name: str) -> dict[str, Any]:
    """AioConfig options for aiobotocore's HTTP backend: aiohttp (default) or httpx2."""
    if name == "aiohttp":
        return {}
    pytest.importorskip("httpx2", reason="httpx2 is not installed (aiobotocore[httpx2])")
    module = pytest.importorskip("aiobotocore.httpxsession", reason="aiobotocore < 3")
    return {"http_session_cls": module.HttpxSession}


@pytest.mark.asyncio
@pytest.mark.parametrize("http", ["aiohttp", "httpx2"])
@pytest.mark.parametrize("route", ROUTES)
async def test_control_an_unstubbed_async_client_reaches_the_listener(
    monkeypatch: pytest.MonkeyPatch, listener: Listener, route: str, http: str
) -> None:
    if route == "proxy":
        monkeypatch.setenv("HTTPS_PROXY", listener.url)
    url = listener.url if route == "endpoint_url" else None
    options = {"retries": NO_RETRIES, **backend(http)}
    with rekostub.stub(make_client()):  # a stub covering another client only
        async with open_client("aiobotocore", endpoint_url=url, **options) as c:
            with pytest.raises(BotoCoreError):
                await c.list_collections()
    assert listener.connections >= 1


# -- stub(): every client ------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_search_users_is_answered(escape: OpenClient) -> None:
    with rekostub.stub(fixture=STAFF) as fake:
        async with escape() as c:
            response = await c.search_users(CollectionId="staff", FaceId=ALICE_1)
            with pytest.raises(c.exceptions.ResourceNotFoundException) as excinfo:
                await c.search_users(CollectionId="nope", UserId="alice")
    assert response["UserMatches"][0]["User"]["UserId"] == "alice"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    error = excinfo.value.response["Error"]
    assert error == {"Code": "ResourceNotFoundException", "Message": error["Message"]}
    assert "nope" in error["Message"]
    assert [call.operation for call in fake.calls] == ["SearchUsers", "SearchUsers"]
    fake.calls.assert_called_with("SearchUsers", CollectionId="staff", FaceId=ALICE_1)


@pytest.mark.asyncio
async def test_client_made_inside_and_outside_the_stub(escape: OpenClient) -> None:
    async with escape() as before:
        with rekostub.stub(fixture=STAFF):
            async with escape() as inside:
                assert (await before.list_collections())["CollectionIds"] == ["staff"]
                assert (await inside.list_collections())["CollectionIds"] == ["staff"]


@pytest.mark.asyncio
async def test_stub_of_an_async_client(escape: OpenClient) -> None:
    async with escape() as c:
        with rekostub.stub(c, fixture=STAFF) as fake:
            assert (await c.list_collections())["CollectionIds"] == ["staff"]
            await c.create_collection(CollectionId="more")
        with rekostub.stub(c) as empty:  # each stub its own fake; the hooks come off after
            assert (await c.list_collections())["CollectionIds"] == []
    assert fake.calls.of("CreateCollection")[0].params == {"CollectionId": "more"}
    assert len(empty.calls) == 1


@pytest.mark.asyncio
async def test_one_stub_covers_sync_and_async_clients_alike(escape: OpenClient) -> None:
    sync = make_client()
    with rekostub.stub(fixture=STAFF):
        async with escape() as c:
            await c.create_collection(CollectionId="from-async")
            assert sync.list_collections()["CollectionIds"] == ["from-async", "staff"]  # by id
    sync.close()


@pytest.mark.asyncio
@pytest.mark.parametrize("route", ROUTES)
async def test_httpx_backend_is_answered(
    monkeypatch: pytest.MonkeyPatch, listener: Listener, route: str
) -> None:
    """aiobotocore 3's optional httpx2 backend (``AioConfig(http_session_cls=HttpxSession)``)."""
    if route == "proxy":
        monkeypatch.setenv("HTTPS_PROXY", listener.url)
    url = listener.url if route == "endpoint_url" else None
    options = {"retries": STANDARD, **backend("httpx2")}
    with rekostub.stub(fixture=STAFF) as fake:
        fake.fail("ListCollections", "ThrottlingException")
        async with open_client("aiobotocore", endpoint_url=url, **options) as c:
            listed = await c.list_collections()
            with pytest.raises(c.exceptions.ResourceNotFoundException):
                await c.describe_collection(CollectionId="nope")
    assert listed["CollectionIds"] == ["staff"]
    assert listed["ResponseMetadata"]["RetryAttempts"] == 1
    assert listener.connections == 0


@pytest.mark.asyncio
async def test_no_credentials_needed_while_stubbed(
    monkeypatch: pytest.MonkeyPatch, listener: Listener
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with rekostub.stub(fixture=STAFF):
        async with open_client("aiobotocore", endpoint_url=listener.url) as c:
            assert (await c.list_collections())["CollectionIds"] == ["staff"]
    assert listener.connections == 0


@pytest.mark.asyncio
async def test_stub_as_decorator_of_a_coroutine(escape: OpenClient) -> None:
    @rekostub.stub(fixture=STAFF)
    async def enrol(fake_rekognition: rekostub.FakeRekognition) -> list[str]:
        async with escape() as c:
            await c.create_user(CollectionId="staff", UserId="erin")
        return [call.operation for call in fake_rekognition.calls]

    assert await enrol() == ["CreateUser"]
    assert await enrol() == ["CreateUser"]  # a fresh fake per call: erin is new again


@pytest_asyncio.fixture
async def stubbed_in_async_fixture() -> AsyncIterator[rekostub.FakeRekognition]:
    with rekostub.stub(fixture=STAFF) as fake:
        yield fake


@pytest.mark.asyncio
async def test_stub_entered_in_an_async_fixture(
    stubbed_in_async_fixture: rekostub.FakeRekognition, escape: OpenClient
) -> None:
    async with escape() as c:
        assert (await c.list_collections())["CollectionIds"] == ["staff"]
    assert len(stubbed_in_async_fixture.calls) == 1


# -- refused, raised, never sent -----------------------------------------------------------------


@pytest.mark.asyncio
async def test_unemulated_operation_is_refused(escape: OpenClient) -> None:
    with rekostub.stub(fixture=STAFF) as fake:
        async with escape(retries=STANDARD) as c:
            with pytest.raises(rekostub.NotEmulatedError) as excinfo:
                await c.detect_labels(Image={"Bytes": b"\xff\xd8\xff\xe0 not really a jpeg"})
            fake.add_response("DetectLabels", {"Labels": [{"Name": "Face", "Confidence": 99.0}]})
            scripted = await c.detect_labels(Image={"Bytes": b"\xff\xd8\xff\xe0"})
    assert excinfo.value.operation == "DetectLabels"
    assert "add_response" in str(excinfo.value)
    assert scripted["Labels"] == [{"Name": "Face", "Confidence": 99.0}]
    assert len(fake.calls) == 1  # the refused call was not answered, so not logged


class Boom(Exception):
    """A bug inside an operation."""


@pytest.mark.asyncio
async def test_a_bug_inside_an_operation_surfaces_and_is_not_retried(
    escape: OpenClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    raised: list[int] = []

    def broken(state: Any, params: Any, ctx: Any) -> Any:
        raised.append(1)
        raise Boom("operation bug")

    monkeypatch.setitem(_registry.OPERATIONS, "SearchUsers", broken)
    with rekostub.stub(fixture=STAFF):
        async with escape(retries=STANDARD) as c:
            with pytest.raises(Boom, match="operation bug"):
                await c.search_users(CollectionId="staff", UserId="alice")
    assert raised == [1]


@pytest.mark.asyncio
async def test_validation_error_answered_like_the_service(escape: OpenClient) -> None:
    with rekostub.stub(fixture=STAFF) as fake:
        async with escape(parameter_validation=False) as c:
            with pytest.raises(c.exceptions.InvalidParameterException) as excinfo:
                await c.search_users(CollectionId="staff")
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterException"
    assert fake.calls[0].error is not None


# -- faults, retries, the call log, the UPDATING clock --------------------------------------------


def throttled() -> str:
    """The message a boto3 client gets for an injected ThrottlingException."""
    sync = make_client(retries=NO_RETRIES)
    with rekostub.stub() as fake:
        fake.fail("ListCollections", "ThrottlingException")
        with pytest.raises(sync.exceptions.ThrottlingException) as excinfo:
            sync.list_collections()
    sync.close()
    return str(excinfo.value.response["Error"]["Message"])


@pytest.mark.asyncio
async def test_throttled_once_then_retried_by_aiobotocore(escape: OpenClient) -> None:
    with rekostub.stub(fixture=STAFF) as fake:
        fake.fail("SearchUsers", "ThrottlingException")
        async with escape(retries=STANDARD) as c:
            response = await c.search_users(CollectionId="staff", FaceId=ALICE_1)
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert response["UserMatches"][0]["User"]["UserId"] == "alice"
    first, second = fake.calls
    assert first.error == rekostub.ErrorAnswer("ThrottlingException", throttled(), 500)
    assert second.error is None
    assert second.response is not None
    assert second.response["UserMatches"] == response["UserMatches"]


@pytest.mark.asyncio
async def test_faults_outlasting_the_retries_reach_the_caller(escape: OpenClient) -> None:
    with rekostub.stub(fixture=STAFF) as fake:
        fake.fail("SearchUsers", "ThrottlingException", times=4)
        async with escape(retries=STANDARD) as c:
            with pytest.raises(c.exceptions.ThrottlingException) as excinfo:
                await c.search_users(CollectionId="staff", UserId="alice")
            again = await c.search_users(CollectionId="staff", UserId="alice")
    meta = excinfo.value.response["ResponseMetadata"]
    assert excinfo.value.response["Error"]["Message"] == throttled()
    assert (meta["HTTPStatusCode"], meta["RetryAttempts"]) == (500, 2)
    assert again["ResponseMetadata"]["RetryAttempts"] == 1  # the 4th fault, then the answer
    assert len(fake.calls) == 5


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "code", ["EndpointConnectionError", "ReadTimeoutError", "ConnectionClosedError"]
)
async def test_transport_fault_is_retried_by_aiobotocore(escape: OpenClient, code: str) -> None:
    error_class = getattr(botocore.exceptions, code)
    with rekostub.stub(fixture=STAFF) as fake:
        fake.fail("SearchUsers", code)
        async with escape(retries=STANDARD) as c:
            response = await c.search_users(CollectionId="staff", FaceId=ALICE_1)
            fake.fail("SearchUsers", code, times=3)
            with pytest.raises(error_class):
                await c.search_users(CollectionId="staff", FaceId=ALICE_1)
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert response["UserMatches"][0]["User"]["UserId"] == "alice"


async def _association_flow(c: Any, fake: rekostub.FakeRekognition) -> list[Any]:
    """AssociateFaces keeps the user UPDATING for 60 s of the fake's clock, then not."""
    fake.updating_seconds = 60
    seen: list[Any] = []
    done = await c.associate_faces(CollectionId="staff", UserId="alice", FaceIds=[ALICE_85])
    seen.append((done["AssociatedFaces"], done["UserStatus"]))
    seen.append((await c.list_users(CollectionId="staff"))["Users"])
    fake.advance(61)
    seen.append((await c.list_users(CollectionId="staff"))["Users"])
    fake.updating_seconds = 0
    out = await c.disassociate_faces(CollectionId="staff", UserId="alice", FaceIds=[ALICE_85])
    seen.append(out["UserStatus"])
    seen.append((await c.list_users(CollectionId="staff"))["Users"])
    return seen


@pytest.mark.asyncio
async def test_updating_clock_as_for_a_sync_client(escape: OpenClient) -> None:
    with rekostub.stub(fixture=STAFF) as fake:
        async with escape() as c:
            got = await _association_flow(c, fake)

    class Sync:  # the same calls through a boto3 client, awaited the same way
        def __init__(self, client: Any) -> None:
            self.client = client

        def __getattr__(self, name: str) -> Any:
            method = getattr(self.client, name)

            async def call(**kwargs: Any) -> Any:
                return method(**kwargs)

            return call

    sync = make_client()
    with rekostub.stub(fixture=STAFF) as sync_fake:
        expected = await _association_flow(Sync(sync), sync_fake)
    sync.close()
    assert got == expected
    assert got[0] == ([{"FaceId": ALICE_85}], "UPDATING")
    assert {u["UserId"]: u["UserStatus"] for u in got[1]}["alice"] == "UPDATING"
    assert {u["UserId"]: u["UserStatus"] for u in got[2]}["alice"] == "ACTIVE"  # advanced
    assert {u["UserId"]: u["UserStatus"] for u in got[4]}["alice"] == "ACTIVE"
    assert [c.operation for c in fake.calls] == [c.operation for c in sync_fake.calls]


@pytest.mark.asyncio
async def test_paginator_of_an_async_client(escape: OpenClient) -> None:
    paging = {"CollectionId": "staff", "PaginationConfig": {"PageSize": 3}}
    with rekostub.stub(fixture=STAFF):
        sync = make_client()
        expected = [
            [u["UserId"] for u in page["Users"]]
            for page in sync.get_paginator("list_users").paginate(**paging)
        ]
        sync.close()
        async with escape() as c:
            pages = [
                [u["UserId"] for u in page["Users"]]
                async for page in c.get_paginator("list_users").paginate(**paging)
            ]
    assert pages == expected  # the same order as a boto3 client's (by system id)
    assert [len(page) for page in pages] == [3, 1]
    assert sorted(u for page in pages for u in page) == ["alice", "bob", "carol", "dave"]


# -- asyncio tasks ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_tasks_each_in_their_own_stub_are_isolated(listener: Listener) -> None:
    both_inside = asyncio.Event()
    both_created = asyncio.Event()
    entered: list[str] = []
    created: list[str] = []

    async def task(name: str) -> list[str]:
        async with open_client("aiobotocore", endpoint_url=listener.url) as c:
            with rekostub.stub():
                entered.append(name)
                if len(entered) == 2:
                    both_inside.set()
                await both_inside.wait()
                await c.create_collection(CollectionId=f"only-{name}")
                created.append(name)
                if len(created) == 2:
                    both_created.set()
                await both_created.wait()
                return list((await c.list_collections())["CollectionIds"])

    with rekostub.stub(fixture=STAFF):  # outer: neither task's calls may land here
        results = await asyncio.gather(task("a"), task("b"))
    assert results == [["only-a"], ["only-b"]]
    assert listener.connections == 0


@pytest.mark.asyncio
async def test_a_task_with_no_stub_is_answered_by_the_newest_in_force(
    listener: Listener,
) -> None:
    entered = asyncio.Event()
    leave = asyncio.Event()

    async def with_stub() -> None:
        with rekostub.stub(fixture=STAFF):
            entered.set()
            await leave.wait()

    async def without() -> list[str]:
        await entered.wait()
        async with open_client("aiobotocore", endpoint_url=listener.url) as c:
            return list((await c.list_collections())["CollectionIds"])

    holder = asyncio.ensure_future(with_stub())
    try:
        assert await without() == ["staff"]
    finally:
        leave.set()
        await holder
    assert listener.connections == 0


# -- the pytest fixture and marker, with async tests ---------------------------------------------

ASYNC_TESTS = """
import os

import pytest
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session

URL = os.environ["REKOSTUB_TEST_URL"]


def client():
    return get_session().create_client(
        "rekognition", region_name="us-east-1", endpoint_url=URL,
        config=AioConfig(retries={"total_max_attempts": 1, "mode": "standard"}),
    )


@pytest.mark.asyncio
async def test_fixture(fake_rekognition):
    async with client() as c:
        await c.create_collection(CollectionId="x")
        assert (await c.list_collections())["CollectionIds"] == ["x"]
    assert [call.operation for call in fake_rekognition.calls] == [
        "CreateCollection", "ListCollections"
    ]


@pytest.mark.asyncio
@pytest.mark.rekostub(fixture={"collections": {"staff": {}}})
async def test_marker():
    async with client() as c:
        assert (await c.list_collections())["CollectionIds"] == ["staff"]


@pytest.mark.asyncio
@pytest.mark.rekostub(fixture={"collections": {"staff": {}}})
async def test_marker_and_fault(fake_rekognition):
    fake_rekognition.fail("ListCollections", "AccessDeniedException")
    async with client() as c:
        with pytest.raises(c.exceptions.AccessDeniedException):
            await c.list_collections()
"""


def test_pytest_fixture_and_marker_answer_async_tests(
    pytester: pytest.Pytester, listener: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REKOSTUB_TEST_URL", listener.url)
    pytester.makepyfile(test_async_inner=ASYNC_TESTS)
    result = pytester.runpytest(
        "-p", "no:rekostub", "-p", "rekostub._entry.pytest_plugin", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=3)
    assert listener.connections == 0


# -- REKOSTUB_FIXTURE and import order (child processes) ------------------------------------------

CHILD = """
import asyncio, sys
{imports}

async def main():
    async with {factory}("rekognition", region_name="us-east-1", endpoint_url=sys.argv[1]) as c:
        {enter}
            r = await c.search_users(CollectionId="staff", FaceId=sys.argv[2])
            print(r["UserMatches"][0]["User"]["UserId"])

asyncio.run(main())
"""

AIOBOTOCORE = {
    "imports": "from aiobotocore.session import get_session",
    "factory": "get_session().create_client",
}
AIOBOTO3 = {"imports": "import aioboto3", "factory": "aioboto3.Session().client"}


def run_child(code: str, listener: Listener, **env: str) -> subprocess.CompletedProcess[str]:
    child_env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "HTTPS_PROXY": listener.url,
        "HTTP_PROXY": listener.url,
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code, listener.url, ALICE_1],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("client_kind", KINDS)
def test_rekostub_fixture_answers_async_clients(
    tmp_path: Path, listener: Listener, client_kind: str
) -> None:
    if client_kind == "aioboto3":
        pytest.importorskip("aioboto3", reason="aioboto3 is not installed")
    spec = AIOBOTOCORE if client_kind == "aiobotocore" else AIOBOTO3
    code = CHILD.format(**spec, enter="if True:")
    fixture = write_json(tmp_path / "staff.json", STAFF)
    done = run_child(code, listener, REKOSTUB_FIXTURE=str(fixture))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["alice"]
    assert listener.connections == 0


@pytest.mark.parametrize("first", ["aiobotocore", "rekostub"])
def test_import_order_does_not_matter(listener: Listener, first: str) -> None:
    imports = ["from aiobotocore.session import get_session", "import rekostub"]
    if first == "rekostub":
        imports.reverse()
    staff = repr(STAFF)
    code = CHILD.format(
        imports="\n".join(imports),
        factory="get_session().create_client",
        enter=f"with rekostub.stub(fixture={staff}):",
    )
    done = run_child(code, listener)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["alice"]
    assert listener.connections == 0
