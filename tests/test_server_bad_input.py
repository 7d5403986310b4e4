"""Bad input never stops the server and changes nothing: each gets an error answer (or a closed
connection), and the next request is served from the same, unchanged state."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

import pytest
from botocore.exceptions import ClientError
from conftest import STAFF, error_of
from server_support import post, raw_exchange, server_client, state_of

import rekostub

MAX_BODY = 64 * 1024


@pytest.fixture
def server() -> Iterator[rekostub.Server]:
    with rekostub.serve(fixture=STAFF, max_body=MAX_BODY) as running:
        server_client(running).list_users(CollectionId="staff")  # one call in the log
        yield running


def assert_still_serving(server: rekostub.Server, before: tuple[str, int]) -> None:
    assert state_of(server) == before
    status, _, body = post(server, b"{}", target="RekognitionService.ListCollections")
    assert (status, json.loads(body)["CollectionIds"]) == (200, ["staff"])


def status_line(received: bytes) -> Optional[int]:
    """The status of the first answer in ``received``; None for a connection closed silently."""
    if not received:
        return None
    if not received.startswith(b"HTTP/"):  # an HTTP/0.9-style answer: the error page alone
        return int(re.search(rb"Error code: (\d+)", received).group(1))  # type: ignore[union-attr]
    return int(received.split(b" ", 2)[1])


def request(
    body: bytes, target: str = "RekognitionService.ListCollections", extra: str = ""
) -> bytes:
    head = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: {target}\r\n"
        f"Content-Type: application/x-amz-json-1.1\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    )
    return head.encode("latin-1") + body


# -- malformed HTTP: the standard library's parser refuses it --------------------------------------
MALFORMED_HTTP = {
    "garbage request line": (b"GARBAGE\r\n\r\n", 400),
    "binary junk (a TLS hello)": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),
    "unknown HTTP version": (b"POST / HTTP/9.9\r\nHost: x\r\n\r\n", 505),
    "request line over 64 KiB": (b"POST /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414),
    "header over 64 KiB": (b"POST / HTTP/1.1\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n", 431),
    "unsupported method": (b"PATCH / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 501),
    "Content-Length not a number": (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n{}",
        400,
    ),
    "negative Content-Length": (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400),
    "chunked body": (
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        411,
    ),
    # the half-close ends the headers: a request without a target
    "headers cut short (client hung up)": (b"POST / HTTP/1.1\r\nHost: 127.0", 400),
    "body cut short (client hung up)": (request(b'{"Collec', extra="")[:-3], None),
}


@pytest.mark.parametrize(
    ("data", "status"), list(MALFORMED_HTTP.values()), ids=list(MALFORMED_HTTP)
)
def test_malformed_http_is_refused(
    server: rekostub.Server, data: bytes, status: Optional[int]
) -> None:
    before = state_of(server)
    assert status_line(raw_exchange(server, data)) == status
    assert_still_serving(server, before)


def test_a_client_vanishing_mid_body_without_a_word(server: rekostub.Server) -> None:
    before = state_of(server)
    big = request(b'{"CollectionId": "' + b"x" * 5000 + b'"}')
    raw_exchange(server, big[:2000], read=False)  # closed without even a half-close
    assert_still_serving(server, before)


# -- bodies the wire refuses: the in-process hook's answers ----------------------------------------
WIRE_ERRORS = {
    "not JSON": (b"{'CollectionId': 'staff'", "RekognitionService.ListUsers", "Serialization"),
    "JSON but not an object": (b"[1, 2]", "RekognitionService.ListUsers", "Serialization"),
    "not UTF-8": (b'{"CollectionId": "\xff\xfe"}', "RekognitionService.ListUsers", "Serial"),
    "unknown target": (b"{}", "RekognitionService.Teleport", "UnknownOperation"),
    "another service's target": (b"{}", "DynamoDB_20120810.ListTables", "UnknownOperation"),
    "no target": (b"{}", None, "UnknownOperation"),
}


@pytest.mark.parametrize(
    ("body", "target", "code"), list(WIRE_ERRORS.values()), ids=list(WIRE_ERRORS)
)
def test_bad_bodies_and_targets_get_aws_errors(
    server: rekostub.Server, body: bytes, target: Optional[str], code: str
) -> None:
    before = state_of(server)
    status, headers, answer = post(server, body, target=target)
    assert status == 400
    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert "x-amzn-requestid" in headers
    assert json.loads(answer)["__type"].startswith(code)
    assert_still_serving(server, before)


def test_deeply_nested_json_does_not_stop_the_server(server: rekostub.Server) -> None:
    before = state_of(server)
    body = b'{"CollectionId": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    status, _, answer = post(server, body[:MAX_BODY], target="RekognitionService.ListUsers")
    assert status >= 400
    assert json.loads(answer)["__type"]
    assert_still_serving(server, before)


# -- bodies over the limit ----------------------------------------------------------------------
def test_a_body_over_the_limit_gets_413(server: rekostub.Server) -> None:
    before = state_of(server)
    body = json.dumps({"CollectionId": "staff", "Padding": "x" * MAX_BODY}).encode()
    status, headers, answer = post(server, body, target="RekognitionService.CreateUser")
    assert status == 413
    assert headers["connection"] == "close"
    error = json.loads(answer)
    assert error["__type"] == "RequestEntityTooLargeException"
    assert f"at most {MAX_BODY}" in error["Message"]
    assert_still_serving(server, before)


def test_boto3_sees_the_413_as_an_error(server: rekostub.Server) -> None:
    before = state_of(server)
    c = server_client(server)
    with pytest.raises(ClientError) as exc:
        c.index_faces(CollectionId="staff", Image={"Bytes": b"\x89PNG" + b"\0" * MAX_BODY})
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert error_of(exc)[0] == "RequestEntityTooLargeException"
    assert_still_serving(server, before)


def test_a_huge_declared_length_is_refused_without_reading_it(server: rekostub.Server) -> None:
    before = state_of(server)
    head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n"
    assert status_line(raw_exchange(server, head + b"{}")) == 413
    assert_still_serving(server, before)


# -- the control API ---------------------------------------------------------------------------
CONTROL_ERRORS: dict[str, tuple[str, str, Any, int, str]] = {
    "fail: not JSON": ("POST", "/fail", b"{nope", 400, "not JSON"),
    "fail: not an object": ("POST", "/fail", [1], 400, "JSON object"),
    "fail: no code": ("POST", "/fail", {"operation": "SearchUsers"}, 400, "'code'"),
    "fail: unknown operation": (
        "POST",
        "/fail",
        {"operation": "SerchUsers", "code": "ThrottlingException"},
        400,
        "Did you mean 'SearchUsers'",
    ),
    "fail: times 0": (
        "POST",
        "/fail",
        {"operation": "SearchUsers", "code": "X", "times": 0},
        400,
        "times must be >= 1",
    ),
    "fail: times not a number": (
        "POST",
        "/fail",
        {"operation": "SearchUsers", "code": "X", "times": "2"},
        400,
        "'times' must be a int",
    ),
    "fixture: missing": ("POST", "/fixture", {}, 400, '{"fixture"'),
    "fixture: bad": (
        "POST",
        "/fixture",
        {"fixture": {"collections": {"x": {"users": 5}}}},
        400,
        "bad rekostub fixture",
    ),
    "fixture: no such file": (
        "POST",
        "/fixture",
        {"fixture": "/nonexistent/f.json"},
        400,
        "f.json",
    ),
    "responses: emulated operation": (
        "POST",
        "/responses",
        {"operation": "SearchUsers", "response": {}},
        400,
        "emulated",
    ),
    "responses: invalid shape": (
        "POST",
        "/responses",
        {"operation": "DetectLabels", "response": {"Labels": 5}},
        400,
        "not a valid DetectLabels response",
    ),
    "unknown endpoint": ("POST", "/teleport", {}, 404, "no control endpoint"),
    "wrong method": ("GET", "/reset", None, 405, "takes POST"),
    "not a control path": ("GET", "/favicon.ico", None, 404, "Rekognition requests are POSTs"),
}


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "says"),
    list(CONTROL_ERRORS.values()),
    ids=list(CONTROL_ERRORS),
)
def test_bad_control_requests_change_nothing(
    server: rekostub.Server, method: str, path: str, body: Any, status: int, says: str
) -> None:
    server.fake.fail("ListCollections", "ThrottlingException")  # a fault that must survive
    before = state_of(server)
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    full = path if path.startswith("/favicon") else f"/_rekostub{path}"
    got, headers, answer = post(server, data or b"", target=None, path=full, method=method)
    assert got == status
    assert headers["content-type"] == "application/json"
    assert says in json.loads(answer)["message"]
    assert state_of(server) == before
    status, _, _ = post(server, b"{}", target="RekognitionService.ListCollections")
    assert status == 500  # the fault injected before is still there
    assert_still_serving(server, (before[0], before[1] + 1))


def test_the_python_helper_reports_refusals(server: rekostub.Server, tmp_path: Path) -> None:
    before = state_of(server)
    with pytest.raises(rekostub.RekostubError, match=r"refused POST /_rekostub/fail \(400\)"):
        server.control.fail("SearchUsers", "X", times=0)
    with pytest.raises(rekostub.RekostubError, match="bad rekostub fixture"):
        server.control.load({"collections": []})
    with pytest.raises(rekostub.RekostubError, match=r"nothing\.json"):
        server.control.load(tmp_path / "nothing.json")
    assert_still_serving(server, before)


def test_connections_left_open_do_not_block_other_clients(server: rekostub.Server) -> None:
    before = state_of(server)
    idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(20)]
    try:
        idle[0].sendall(b"POST / HTTP/1.1\r\nContent-Length: 50\r\n\r\n{")  # a stalled body
        assert_still_serving(server, before)
    finally:
        for sock in idle:
            sock.close()
