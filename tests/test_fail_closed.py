"""Fail closed: while rekostub is on, no Rekognition request ever leaves the process.

A loopback listener stands in for AWS, as the client's ``endpoint_url`` or as its HTTPS/HTTP
proxy; every test asserts it accepted no connection. Control tests show that the same listener
does see a client that rekostub does not cover, so "0 connections" means something.
"""

from __future__ import annotations

import datetime as _dt
import gc
import re
from collections.abc import Iterator
from typing import Any, Callable

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from conftest import ALICE_1, REGION, STAFF, ClientFactory, Listener

import rekostub
from rekostub._operations import registry as _registry

OPERATIONS = sorted(botocore.session.get_session().get_service_model("rekognition").operation_names)
NO_RETRIES = {"total_max_attempts": 1, "mode": "standard"}


@pytest.fixture(params=["fake-credentials", "no-credentials"])
def credentials(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Obviously fake credentials in the environment, or none at all (conftest removes them)."""
    if request.param == "fake-credentials":
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    return str(request.param)


@pytest.fixture(params=["endpoint_url", "proxy"])
def escape_client(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    listener: Listener,
    client: ClientFactory,
    credentials: str,
) -> Any:
    """A client whose requests, were any sent, would reach the listener."""
    if request.param == "proxy":
        monkeypatch.setenv("HTTPS_PROXY", listener.url)
        monkeypatch.setenv("HTTP_PROXY", listener.url)
        return client(retries=NO_RETRIES, connect_timeout=2, read_timeout=2)
    return client(endpoint_url=listener.url, retries=NO_RETRIES, connect_timeout=2, read_timeout=2)


# -- controls: the listener does catch what escapes ------------------------------------------------


# On Python 3.9 urllib3 drops the socket of a failed proxy tunnel without closing it; collect
# it here, where it was made, rather than let it surface as a warning in some later test.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("route", ["endpoint_url", "proxy"])
def test_control_an_unstubbed_client_reaches_the_listener(
    monkeypatch: pytest.MonkeyPatch, listener: Listener, client: ClientFactory, route: str
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    if route == "proxy":
        monkeypatch.setenv("HTTPS_PROXY", listener.url)
        c = client(retries=NO_RETRIES, connect_timeout=2, read_timeout=2)
    else:
        c = client(endpoint_url=listener.url, retries=NO_RETRIES, connect_timeout=2, read_timeout=2)
    with pytest.raises(BotoCoreError):
        c.search_users(CollectionId="staff", UserId="alice")
    assert listener.connections >= 1
    c.close()
    gc.collect()


def test_control_without_credentials_an_unstubbed_call_cannot_sign(
    client: ClientFactory, listener: Listener
) -> None:
    c = client(endpoint_url=listener.url)  # were credentials found, this is where it would go
    with pytest.raises(NoCredentialsError):
        c.search_users(CollectionId="staff", UserId="alice")
    assert listener.connections == 0


# -- stubbed: answered, refused or raised, never sent ----------------------------------------------


def test_search_users_is_answered(escape_client: Any, listener: Listener) -> None:
    with rekostub.stub(fixture=STAFF):
        response = escape_client.search_users(CollectionId="staff", FaceId=ALICE_1)
    assert response["UserMatches"][0]["User"]["UserId"] == "alice"
    assert listener.connections == 0


def test_no_credentials_needed_while_stubbed(client: ClientFactory, listener: Listener) -> None:
    c = client(endpoint_url=listener.url)
    assert c._request_signer._credentials is None  # there really are none
    with rekostub.stub(fixture=STAFF):
        c.search_users(CollectionId="staff", UserId="alice")
        with pytest.raises(c.exceptions.ResourceNotFoundException):
            c.search_users(CollectionId="nope", UserId="alice")
    assert listener.connections == 0


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("detect_labels", {"Image": {"Bytes": b"\xff\xd8\xff\xe0 not really a jpeg"}}),
        (
            "start_face_search",
            {"Video": {"S3Object": {"Bucket": "bucket", "Name": "v.mp4"}}, "CollectionId": "staff"},
        ),
    ],
)
def test_unemulated_operation_raises_not_emulated(
    escape_client: Any, listener: Listener, method: str, params: dict[str, Any]
) -> None:
    operation = escape_client.meta.method_to_api_mapping[method]
    with rekostub.stub(fixture=STAFF) as fake, pytest.raises(rekostub.NotEmulatedError) as excinfo:
        getattr(escape_client, method)(**params)
    message = str(excinfo.value)
    assert operation in message
    assert "add_response" in message
    assert excinfo.value.operation == operation
    assert isinstance(excinfo.value, NotImplementedError)
    assert len(fake.calls) == 0  # not answered, so not logged as answered
    assert listener.connections == 0


class Boom(Exception):
    """A bug inside an operation."""


def test_a_bug_inside_an_operation_surfaces_to_the_caller(
    escape_client: Any, listener: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    raised: list[int] = []

    def broken(state: Any, params: Any, ctx: Any) -> Any:
        raised.append(1)
        raise Boom("operation bug")

    monkeypatch.setitem(_registry.OPERATIONS, "SearchUsers", broken)
    with rekostub.stub(fixture=STAFF), pytest.raises(Boom, match="operation bug"):
        escape_client.search_users(CollectionId="staff", UserId="alice")
    assert raised == [1]  # not retried
    assert listener.connections == 0


# -- every operation ------------------------------------------------------------------------------

_STRINGS = (
    "abc",
    "3f1c2b9e-8a4d-4c6f-9b2e-5d7a1c0e4f88",
    "arn:aws:rekognition:us-east-1:123456789012:project/p/1",
    "arn:aws:rekognition:us-east-1:123456789012:project/p/version/v/1",
    "arn:aws:rekognition:us-east-1:123456789012:project/p/dataset/train/1",
    "arn:aws:iam::123456789012:role/r",
)


def _fits(value: str, shape: Any) -> bool:
    meta = shape.metadata
    if not meta.get("min", 0) <= len(value) <= meta.get("max", len(value)):
        return False
    pattern = meta.get("pattern")
    return pattern is None or re.fullmatch(pattern, value) is not None


def minimal(shape: Any) -> Any:
    """A minimal value that satisfies every constraint of ``shape`` (required members only)."""
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        return {name: minimal(shape.members[name]) for name in shape.required_members}
    if kind == "list":
        return [minimal(shape.member) for _ in range(meta.get("min", 0))]
    if kind == "map":
        return {}
    if kind == "string":
        if shape.enum:
            return shape.enum[0]
        for candidate in _STRINGS:
            if _fits(candidate, shape):
                return candidate
        raise AssertionError(f"no test value fits {shape.name} {meta}")
    if kind in ("integer", "long"):
        return int(meta.get("min", 1))
    if kind in ("float", "double"):
        return float(meta.get("min", 0))
    if kind == "boolean":
        return False
    if kind == "blob":
        return b"x" * max(1, int(meta.get("min", 1)))
    if kind == "timestamp":
        return _dt.datetime(2024, 1, 1, tzinfo=_dt.timezone.utc)
    raise AssertionError(f"unhandled shape type {kind}")


@pytest.fixture(scope="module")
def escape_session() -> Iterator[tuple[Any, Listener]]:
    """One offline boto3 session and listener for the 75-operation sweep (clients are cheap)."""
    server = Listener()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        yield boto3.session.Session(), server
    server.close()


def test_there_are_75_operations() -> None:
    assert len(OPERATIONS) == 75


def outcome(call: Callable[[], Any]) -> tuple[str, str]:
    """How a call ended: ("answered", ""), ("error", "Code: message") or ("not emulated", op)."""
    try:
        call()
    except rekostub.NotEmulatedError as exc:
        return ("not emulated", exc.operation)
    except ClientError as exc:
        return ("error", f"{exc.response['Error']['Code']}: {exc.response['Error']['Message']}")
    return ("answered", "")


@pytest.mark.parametrize("operation", OPERATIONS)
def test_no_operation_ever_connects(escape_session: tuple[Any, Listener], operation: str) -> None:
    session, server = escape_session
    emulated = operation in _registry.OPERATIONS
    strict = session.client(
        "rekognition",
        region_name=REGION,
        endpoint_url=server.url,
        config=Config(retries=NO_RETRIES, connect_timeout=2, read_timeout=2),
    )
    lax = session.client(
        "rekognition",
        region_name=REGION,
        endpoint_url=server.url,
        config=Config(retries=NO_RETRIES, parameter_validation=False),
    )
    method = next(m for m, op in strict.meta.method_to_api_mapping.items() if op == operation)
    op_model = strict.meta.service_model.operation_model(operation)
    params = minimal(op_model.input_shape) if op_model.input_shape is not None else {}
    required = bool(op_model.input_shape is not None and op_model.input_shape.required_members)
    with rekostub.stub(fixture=STAFF):
        valid = outcome(lambda: getattr(strict, method)(**params))
        empty = outcome(lambda: getattr(lax, method)())
    # 1. a request valid for the model: answered (or a modeled error), or NotEmulatedError.
    if emulated:
        assert valid[0] in ("answered", "error"), valid
        assert not valid[1].startswith("ValidationException"), valid
    else:
        assert valid == ("not emulated", operation)
    # 2. an empty request with client-side validation off: the fake checks it all again.
    if required:
        assert empty[0] == "error", empty
        assert empty[1].startswith("ValidationException: "), empty
        assert "Member must not be null" in empty[1]
    elif not emulated:
        assert empty == ("not emulated", operation)
    assert server.connections == 0
