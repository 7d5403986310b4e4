"""The control API under ``/_rekostub/``: JSON in, JSON out (reference: docs/server.md).

Every request either succeeds or changes nothing: bodies are checked, and fixtures loaded,
before the fake is touched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Callable, Optional
from urllib.parse import parse_qs

from rekostub._common.errors import RekostubError
from rekostub._fixtures.load import load_fixture
from rekostub._server.http import CONTROL_PREFIX, RekostubHTTPServer
from rekostub._service.calls import Call
from rekostub._wire.json_protocol import WireAnswer, encode_json

__all__ = ["ENDPOINTS", "handle_control"]

#: path (after the prefix) -> {method: what it does}; GET /_rekostub/ answers this too.
ENDPOINTS: dict[str, dict[str, str]] = {
    "/reset": {"POST": "start over from the server's fixture (state, call log, faults)"},
    "/fixture": {"POST": 'load another fixture {"fixture": <dict or file path>}; reset uses it'},
    "/fail": {"POST": 'inject a fault {"operation", "code", "times"?: 1, "message"?}'},
    "/responses": {"POST": 'script an answer {"operation", "response"} (not emulated operations)'},
    "/calls": {
        "GET": "the call log, oldest first (?operation=SearchUsers to filter)",
        "DELETE": "forget the call log",
    },
    "/snapshot": {"GET": "the current state as a fixture dict"},
}

_CONTENT_TYPE = "application/json"


class _BadRequest(Exception):
    def __init__(self, message: str, status: int = 400, allow: Optional[str] = None) -> None:
        super().__init__(message)
        self.status = status
        self.allow = allow


def _json(status: int, payload: Any, extra: Optional[Mapping[str, str]] = None) -> WireAnswer:
    body = encode_json(payload)
    headers = {"Content-Type": _CONTENT_TYPE, "Content-Length": str(len(body)), **(extra or {})}
    return WireAnswer(status, headers, body)


def _object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError as exc:
        raise _BadRequest(f"the body is not JSON ({exc}); send a JSON object") from None
    if not isinstance(value, dict):
        raise _BadRequest(f"the body must be a JSON object, not {type(value).__name__}")
    return value


def _field(body: Mapping[str, Any], name: str, kind: type, default: Any = ...) -> Any:
    if name not in body:
        if default is ...:
            raise _BadRequest(f"the body needs {name!r}")
        return default
    value = body[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _BadRequest(f"{name!r} must be a {kind.__name__}, not {json.dumps(value)}")
    return value


def _call(call: Call) -> dict[str, Any]:
    error = call.error
    return {
        "operation": call.operation,
        "params": dict(call.params),
        "region": call.region,
        "response": None if call.response is None else dict(call.response),
        "error": None
        if error is None
        else {
            "code": error.code,
            "message": error.message,
            "status": error.status,
            "hint": error.hint,
        },
    }


def _reset(server: RekostubHTTPServer, body: bytes, query: str) -> Any:
    if server.reset_to is None:
        server.fake.reset()
    else:
        server.fake.load(server.reset_to)
    return {"ok": True}


def _load(server: RekostubHTTPServer, body: bytes, query: str) -> Any:
    source = _object(body).get("fixture", ...)
    if source is ... or not isinstance(source, (dict, str)):
        raise _BadRequest('send {"fixture": <a fixture object, or the path of a fixture file>}')
    fixture = load_fixture(source)  # FixtureError: nothing changed
    server.fake.load(fixture)
    server.reset_to = fixture
    return {"ok": True}


def _fail(server: RekostubHTTPServer, body: bytes, query: str) -> Any:
    request = _object(body)
    server.fake.fail(
        _field(request, "operation", str),
        _field(request, "code", str),
        times=_field(request, "times", int, 1),
        message=_field(request, "message", str, None),
    )
    return {"ok": True}


def _responses(server: RekostubHTTPServer, body: bytes, query: str) -> Any:
    request = _object(body)
    server.fake.add_response(_field(request, "operation", str), _field(request, "response", dict))
    return {"ok": True}


def _calls(server: RekostubHTTPServer, body: bytes, query: str) -> Any:
    wanted = parse_qs(query).get("operation")
    calls = server.fake.calls.of(wanted[-1]) if wanted else list(server.fake.calls)
    return {"calls": [_call(c) for c in calls]}


def _clear_calls(server: RekostubHTTPServer, body: bytes, query: str) -> Any:
    server.fake.calls.reset()
    return {"ok": True}


def _snapshot(server: RekostubHTTPServer, body: bytes, query: str) -> Any:
    return server.fake.snapshot()


def _index(server: RekostubHTTPServer, body: bytes, query: str) -> Any:
    return {
        "service": "rekostub: Amazon Rekognition (JSON 1.1, POST / with X-Amz-Target)",
        "control": {CONTROL_PREFIX + path: methods for path, methods in ENDPOINTS.items()},
    }


_Action = Callable[[RekostubHTTPServer, bytes, str], Any]
_ROUTES: dict[str, dict[str, _Action]] = {
    "/reset": {"POST": _reset},
    "/fixture": {"POST": _load},
    "/fail": {"POST": _fail},
    "/responses": {"POST": _responses},
    "/calls": {"GET": _calls, "DELETE": _clear_calls},
    "/snapshot": {"GET": _snapshot},
    "": {"GET": _index},
    "/": {"GET": _index},
}


def _action(method: str, path: str) -> _Action:
    known = ", ".join(CONTROL_PREFIX + p for p in ENDPOINTS)
    if path == "/":  # GET /: the index, a quick "is it up?"
        path = CONTROL_PREFIX
    if not path.startswith(CONTROL_PREFIX):
        raise _BadRequest(
            f"nothing at {path!r}: Rekognition requests are POSTs (with X-Amz-Target), and the "
            f"control API is {known}",
            status=404,
        )
    routes = _ROUTES.get(path[len(CONTROL_PREFIX) :])
    if routes is None:
        raise _BadRequest(f"no control endpoint {path!r}; there are: {known}", status=404)
    action = routes.get(method)
    if action is None:
        allow = ", ".join(routes)
        raise _BadRequest(f"{path} takes {allow}, not {method}", status=405, allow=allow)
    return action


def handle_control(
    server: RekostubHTTPServer, method: str, path: str, query: str, body: bytes
) -> WireAnswer:
    """Answer one control request; a bad one gets a 4xx JSON error and changes nothing."""
    try:
        action = _action(method, path)
        with server.control_lock:
            return _json(200, action(server, body, query))
    except _BadRequest as exc:
        extra = {"Allow": exc.allow} if exc.allow else None
        return _json(exc.status, {"__type": "BadControlRequest", "message": str(exc)}, extra)
    except (RekostubError, ValueError, TypeError) as exc:  # FixtureError, fake.fail's checks
        return _json(400, {"__type": type(exc).__name__, "message": str(exc)})
