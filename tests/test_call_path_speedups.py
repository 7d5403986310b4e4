"""The per-call savings keep answers exactly as they were: headers, request ids, endpoints."""

from __future__ import annotations

import email.utils
import inspect
import os
import time
import uuid
from typing import Any

import pytest
from botocore import UNSIGNED
from botocore.exceptions import BotoCoreError
from botocore.regions import EndpointRulesetResolver
from conftest import STAFF, ClientFactory, Listener

import rekostub
from rekostub._entry.fastpath import speed_up
from rekostub._wire import headers


def test_date_header_is_now_in_http_format(client: ClientFactory) -> None:
    c = client()
    with rekostub.stub(c, fixture=STAFF):
        before = time.time()
        date = c.list_collections()["ResponseMetadata"]["HTTPHeaders"]["date"]
        after = time.time()
    assert date.endswith(" GMT")
    assert email.utils.format_datetime(email.utils.parsedate_to_datetime(date), True) == date
    stamp = email.utils.parsedate_to_datetime(date).timestamp()
    assert int(before) <= stamp <= after


def test_the_date_follows_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.7)
    assert headers.http_date() == "Fri, 15 Jan 2027 08:00:00 GMT"
    monkeypatch.setattr(time, "time", lambda: 1_800_000_061.2)
    assert headers.http_date() == "Fri, 15 Jan 2027 08:01:01 GMT"


def test_request_ids_are_distinct_random_uuid4s(client: ClientFactory) -> None:
    c = client()
    with rekostub.stub(c, fixture=STAFF):
        ids = [c.list_collections()["ResponseMetadata"]["RequestId"] for _ in range(3)] + [
            headers.request_id() for _ in range(3 * headers._BATCH)
        ]
    assert len(set(ids)) == len(ids)
    for rid in ids:
        parsed = uuid.UUID(rid)
        assert str(parsed) == rid
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_makes_its_own_request_ids() -> None:
    headers.request_id()  # the parent has a batch ready
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write, headers.request_id().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = os.read(read, 100).decode()
    os.close(read)
    assert uuid.UUID(child).version == 4
    assert child != headers.request_id()
    assert child not in headers._ids


def _count_resolutions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    original = EndpointRulesetResolver.construct_endpoint

    def counting(self: Any, operation_model: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(operation_model.name)
        return original(self, operation_model, *args, **kwargs)

    monkeypatch.setattr(EndpointRulesetResolver, "construct_endpoint", counting)
    return seen


def _botocore_returns_endpoint_properties() -> bool:
    """botocore >= 1.33 resolves (url, headers, properties), which rekostub memoises; older
    botocore resolves (url, headers) and is passed through untouched (see fastpath)."""
    from botocore.client import BaseClient

    source = inspect.getsource(BaseClient._resolve_endpoint_ruleset)
    return "return endpoint_url, additional_headers, endpoint_properties" in source


memoised = pytest.mark.skipif(
    not _botocore_returns_endpoint_properties(),
    reason="this botocore resolves endpoints in two values: rekostub leaves them unmemoised",
)


@memoised
def test_a_stubbed_client_resolves_its_endpoint_once_per_operation(
    client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _count_resolutions(monkeypatch)
    c = client()
    urls: list[str] = []
    c.meta.events.register("before-sign.rekognition", lambda request, **_: urls.append(request.url))
    with rekostub.stub(c, fixture=STAFF):
        for _ in range(3):
            c.list_collections()
            c.list_users(CollectionId="staff")
    assert seen == ["ListCollections", "ListUsers"]
    assert set(urls) == {"https://rekognition.us-east-1.amazonaws.com/"}
    assert len(urls) == 6


@memoised
def test_an_uncovered_client_resolves_every_call(
    client: ClientFactory, listener: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _count_resolutions(monkeypatch)
    covered = client()
    other = client(
        endpoint_url=listener.url, retries={"max_attempts": 1}, signature_version=UNSIGNED
    )
    with rekostub.stub(covered, fixture=STAFF):
        covered.list_collections()
        covered.list_collections()
        for _ in range(2):  # not covered by this stub: botocore's own resolution each call
            with pytest.raises(BotoCoreError):  # the listener hangs up
                other.list_collections()
    assert seen.count("ListCollections") == 3
    assert listener.connections >= 2


def test_an_async_client_keeps_its_own_resolution() -> None:
    class AsyncClient:  # aiobotocore's clients await _resolve_endpoint_ruleset
        async def _resolve_endpoint_ruleset(self, *args: Any) -> Any:
            return args

    client = AsyncClient()
    speed_up(client, lambda _: True)
    assert "_resolve_endpoint_ruleset" not in vars(client)
