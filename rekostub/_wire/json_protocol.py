"""The wire: decode a botocore request, ask a dispatcher, encode the answer as HTTP.

Knows JSON 1.1 and HTTP, nothing of faces. The answer is a real ``AWSResponse`` so botocore's
own parser, retry handler and error classes process it exactly as a network answer.
"""

from __future__ import annotations

import base64
import datetime as _dt
import io
import json
import uuid
from collections.abc import Iterator, Mapping
from typing import Any, Callable

from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from rekostub._common.errors import ServiceError

__all__ = ["Dispatcher", "answer"]

TARGET_PREFIX = "RekognitionService."
CONTENT_TYPE = "application/x-amz-json-1.1"

#: (operation, decoded JSON body, region) -> response dict; raises ServiceError for an error answer.
Dispatcher = Callable[[str, Mapping[str, Any], str], Mapping[str, Any]]


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


def _http(request: AWSPreparedRequest, status: int, payload: Mapping[str, Any]) -> AWSResponse:
    # An answer with no members (CreateUser, DeleteUser, TagResource...) is "an HTTP 200
    # response with an empty HTTP body", as the API reference says.
    body = (
        json.dumps(payload, default=_default, separators=(",", ":")).encode("utf-8")
        if payload
        else b""
    )
    headers = {
        "x-amzn-RequestId": str(uuid.uuid4()),
        "Content-Type": CONTENT_TYPE,
        "Content-Length": str(len(body)),
        "Date": _dt.datetime.now(_dt.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT"),
    }
    return AWSResponse(request.url, status, headers, _Body(body))


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


def operation_of(request: AWSPreparedRequest) -> str:
    target = request.headers.get("X-Amz-Target", "")
    if isinstance(target, bytes):
        target = target.decode("ascii", "replace")
    if not target.startswith(TARGET_PREFIX):
        raise ServiceError("UnknownOperationException", f"Unknown target: {target!r}")
    return str(target[len(TARGET_PREFIX) :])


def _decode_body(request: AWSPreparedRequest) -> Any:
    raw = request.body
    if raw is None or raw == b"" or raw == "":
        return {}
    if hasattr(raw, "read"):  # a file-like body: read it without consuming it for good
        position = raw.tell()
        data = raw.read()
        raw.seek(position)
        raw = data
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ServiceError("SerializationException", f"Request body is not JSON: {exc}") from None


def answer(request: AWSPreparedRequest, dispatch: Dispatcher, region: str) -> AWSResponse:
    """Answer ``request`` from ``dispatch``; only ServiceError becomes an HTTP error answer.

    Anything else the dispatcher raises (NotEmulatedError, a bug) propagates to the caller, and
    botocore re-raises it from the client call: nothing is ever sent.
    """
    try:
        operation = operation_of(request)
        body = _decode_body(request)
        if not isinstance(body, dict):
            raise ServiceError("SerializationException", "Request body must be a JSON object")
        return _http(request, 200, dispatch(operation, body, region))
    except ServiceError as exc:
        return _http(request, exc.status, error_payload(exc))
