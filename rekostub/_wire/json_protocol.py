"""The wire: Rekognition's JSON 1.1 protocol, one transport-neutral core and two ways out.

Knows JSON 1.1 and HTTP, nothing of faces. :func:`respond` turns (target header, body bytes,
region) into (status, headers, body bytes); :func:`answer` wraps that in a real botocore
``AWSResponse`` for the in-process hook, so botocore's own parser, retry handler and error
classes process it exactly as a network answer, and the HTTP server sends the same bytes.
"""

from __future__ import annotations

import base64
import datetime as _dt
import functools
import io
import json
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

import numpy as np
from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from rekostub._common.errors import ServiceError
from rekostub._common.names import service_model
from rekostub._wire.headers import http_date, request_id

__all__ = ["Dispatcher", "WireAnswer", "answer", "encode_json", "region_of", "respond"]

TARGET_PREFIX = "RekognitionService."
CONTENT_TYPE = "application/x-amz-json-1.1"
DEFAULT_REGION = "us-east-1"

#: (operation, decoded JSON body, region) -> response dict; raises ServiceError for an error answer.
Dispatcher = Callable[[str, Mapping[str, Any], str], Mapping[str, Any]]

#: A header value as botocore or an HTTP server hands it over.
Header = Union[str, bytes, None]

# SigV4: ``Credential=AKID/20240101/eu-west-1/rekognition/aws4_request`` (scope after the key).
_SCOPE_REGION = re.compile(r"Credential=[^/,\s]+/\d{8}/([A-Za-z0-9-]+)/")


@dataclass(frozen=True)
class WireAnswer:
    """One HTTP answer, whatever carries it: status, headers and the body's bytes."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class _Body(io.BytesIO):
    """A raw body botocore can read as a stream (``AWSResponse.raw.stream()``)."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.getvalue()


def _default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, _dt.datetime):
        return value.timestamp()
    raise TypeError(f"cannot encode {type(value).__name__} in a JSON 1.1 answer")


_encode = json.JSONEncoder(default=_default, separators=(",", ":")).encode  # made once


def encode_json(payload: Any) -> bytes:
    """``payload`` as compact JSON 1.1 bytes: blobs as base64, timestamps as epoch seconds."""
    return _encode(payload).encode("utf-8")


def _http(status: int, payload: Mapping[str, Any]) -> WireAnswer:
    # An answer with no members (CreateUser, DeleteUser, TagResource...) is "an HTTP 200
    # response with an empty HTTP body", as the API reference says.
    body = encode_json(payload) if payload else b""
    headers = {
        "x-amzn-RequestId": request_id(),
        "Content-Type": CONTENT_TYPE,
        "Content-Length": str(len(body)),
        "Date": http_date(),
    }
    return WireAnswer(status, headers, body)


def error_payload(error: ServiceError) -> dict[str, Any]:
    """AWS's error body: ValidationException carries ``message``, the others Code/Message."""
    if error.code == "ValidationException":
        return {"__type": error.code, "message": error.message, **error.extra}
    return {
        "__type": error.code,
        "Code": error.code,
        "Logref": str(uuid.uuid4()),
        "Message": error.message,
        **error.extra,
    }


def error_answer(error: ServiceError) -> WireAnswer:
    """The HTTP answer carrying ``error`` (its status, AWS's error body)."""
    return _http(error.status, error_payload(error))


@functools.cache
def _operation_names() -> frozenset[str]:
    return frozenset(service_model().operation_names)


def operation_of(target: Header) -> str:
    """The operation an ``X-Amz-Target`` header names; UnknownOperationException otherwise."""
    if target is None:
        target = ""
    if isinstance(target, bytes):
        target = target.decode("ascii", "replace")
    operation = target[len(TARGET_PREFIX) :]
    if not target.startswith(TARGET_PREFIX) or operation not in _operation_names():
        raise ServiceError("UnknownOperationException", f"Unknown target: {target!r}")
    return str(operation)


def _decode_body(raw: Union[bytes, str, None]) -> Any:
    if raw is None or raw == b"" or raw == "":
        return {}
    depth = _nesting_depth(raw if isinstance(raw, bytes) else str(raw).encode("utf-8", "replace"))
    if depth > MAX_NESTING:
        raise ServiceError(
            "SerializationException",
            f"Request body nests objects and arrays {depth} deep; at most {MAX_NESTING} levels "
            "are accepted.",
        )
    try:
        return json.loads(raw, parse_constant=_non_json_constant)
    except (ValueError, RecursionError) as exc:
        raise ServiceError(
            "SerializationException", f"Request body is not JSON: {str(exc)[:200]}"
        ) from None


#: The deepest nesting of objects and arrays a request body may have (no Rekognition input shape
#: nests more than 10 deep; *chosen*, well above that and well below Python's recursion limit).
MAX_NESTING = 100
_STEP = np.zeros(256, dtype=np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1


def _nesting_depth(raw: bytes) -> int:
    """The deepest bracket nesting in ``raw`` outside JSON strings: vectorised, linear.

    A quote opens or closes a string unless an odd run of backslashes precedes it; brackets
    between an opening and its closing quote do not count.
    """
    if raw.count(b"[") + raw.count(b"{") <= MAX_NESTING:
        return 0  # cannot be deeper than the limit: spare the scan
    data = np.frombuffer(raw, dtype=np.uint8)
    if b'"' not in raw:
        return int(np.cumsum(_STEP[data], dtype=np.int64).max(initial=0))
    index = np.arange(data.size)
    # Index of the last byte before each position that is not a backslash (-1 if none).
    plain = np.where(data != ord("\\"), index, -1)
    last_plain = np.maximum.accumulate(np.concatenate(([-1], plain[:-1])))
    escaped = (index - 1 - last_plain) % 2 == 1
    quotes = (data == ord('"')) & ~escaped
    inside = np.cumsum(quotes) % 2 == 1  # True from an opening quote to before its closing one
    steps = np.where(inside | quotes, 0, _STEP[data])
    return int(np.cumsum(steps, dtype=np.int64).max(initial=0))


def _non_json_constant(name: str) -> Any:
    """A bare ``NaN``/``Infinity``/``-Infinity`` token is not JSON (RFC 8259): refused."""
    raise ValueError(
        f"Non-standard token '{name}' (JSON has no {name}; AWS's JSON protocol sends "
        f'non-finite numbers as the strings "NaN", "Infinity" and "-Infinity")'
    )


def region_of(authorization: Header) -> str:
    """The region of a SigV4 ``Authorization`` header's credential scope (not verified);
    ``us-east-1`` for an unsigned or unreadable request."""
    if isinstance(authorization, bytes):
        authorization = authorization.decode("ascii", "replace")
    found = _SCOPE_REGION.search(authorization or "")
    return found.group(1) if found else DEFAULT_REGION


def respond(
    target: Header, body: Union[bytes, str, None], dispatch: Dispatcher, region: str
) -> WireAnswer:
    """Answer one JSON 1.1 request from ``dispatch``; only ServiceError becomes an error answer.

    Anything else the dispatcher raises (NotEmulatedError, a bug) propagates to the caller.
    """
    try:
        operation = operation_of(target)
        decoded = _decode_body(body)
        if not isinstance(decoded, dict):
            raise ServiceError("SerializationException", "Request body must be a JSON object")
        return _http(200, dispatch(operation, decoded, region))
    except ServiceError as exc:
        return error_answer(exc)


def _request_body(request: AWSPreparedRequest) -> Optional[Union[bytes, str]]:
    raw = request.body
    if hasattr(raw, "read"):  # a file-like body: read it without consuming it for good
        position = raw.tell()
        data = raw.read()
        raw.seek(position)
        return data  # type: ignore[no-any-return]
    return raw  # type: ignore[no-any-return]


def answer(request: AWSPreparedRequest, dispatch: Dispatcher, region: str) -> AWSResponse:
    """Answer a botocore ``request`` from ``dispatch`` as botocore's own ``AWSResponse``.

    Anything but ServiceError the dispatcher raises (NotEmulatedError, a bug) propagates to the
    caller, and botocore re-raises it from the client call: nothing is ever sent.
    """
    wire = respond(request.headers.get("X-Amz-Target"), _request_body(request), dispatch, region)
    return AWSResponse(request.url, wire.status, dict(wire.headers), _Body(wire.body))
