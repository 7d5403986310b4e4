"""The HTTP side: the standard library's threading server, answering through the wire core.

``POST`` anywhere but ``/_rekostub/`` is a Rekognition JSON 1.1 request, answered by
:func:`rekostub._wire.json_protocol.respond` exactly as the in-process hook answers it (same
status, headers and body). HTTP parsing is the standard library's; this module only reads the
body (``Content-Length``, bounded) and writes the answer.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

from rekostub._common.errors import NotEmulatedError, RekostubError, ServiceError
from rekostub._fixtures.load import Fixture
from rekostub._service.fake import FakeRekognition
from rekostub._service.faults import TRANSPORT_EXCEPTIONS
from rekostub._wire.json_protocol import WireAnswer, error_answer, region_of, respond

__all__ = ["CONTROL_PREFIX", "DEFAULT_MAX_BODY", "RekostubHTTPServer"]

#: Largest request body served (a 5 MB image, the service's limit, is ~6.7 MB in base64 JSON).
DEFAULT_MAX_BODY = 16 * 1024 * 1024
#: Where the control API lives (like moto's ``/moto-api/``); never a Rekognition path.
CONTROL_PREFIX = "/_rekostub"
#: Seconds an idle keep-alive connection (or a stalled request) holds its thread.
IDLE_TIMEOUT = 30.0
# An oversized body is read and dropped up to this size before answering 413, so the client
# (still sending) reads the answer instead of a reset connection; beyond it, the server hangs up.
_DRAIN_LIMIT = 64 * 1024 * 1024
_CHUNK = 1 << 16

#: (server, method, path, query, body) -> answer; the control API (rekostub._server.control).
ControlHandler = Callable[["RekostubHTTPServer", str, str, str, bytes], WireAnswer]


class RekostubHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server holding one fake; each connection gets a (daemon) thread."""

    daemon_threads = True
    request_queue_size = 128  # the listen backlog: many SDK connections open at once

    def __init__(
        self,
        address: tuple[str, int],
        fake: FakeRekognition,
        control: ControlHandler,
        *,
        max_body: int = DEFAULT_MAX_BODY,
        log: Optional[Callable[[str], None]] = None,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.fake = fake
        self.control = control
        self.max_body = max_body
        self.log = log
        self.control_lock = threading.Lock()
        #: What the control API's reset returns to (None: the fake's own fixture).
        self.reset_to: Optional[Fixture] = None
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Hang up every open connection (keep-alive ones included): their threads end now."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already gone
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away is not an error worth a traceback; anything else is."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError, socket.timeout)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as every SDK expects
    server_version = "rekostub"
    timeout = IDLE_TIMEOUT
    # TCP_NODELAY: headers and body go out as two writes; with Nagle's algorithm the second
    # waits for the client's delayed ACK (~40 ms a call).
    disable_nagle_algorithm = True
    wbufsize = 1 << 16  # buffered: headers and body leave in one write (flushed per answer)
    server: RekostubHTTPServer

    def do_POST(self) -> None:
        self._route("POST")

    def do_GET(self) -> None:
        self._route("GET")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def _route(self, method: str) -> None:
        body = self._read_body()
        if body is None:
            return
        parts = urlsplit(self.path)
        path = parts.path
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            answer = self.server.control(self.server, method, path, parts.query, body)
            self._send(answer, f"{method} {path}")
        elif method == "POST":
            target = self.headers.get("X-Amz-Target")
            answered = self._rekognition(target, body)
            if answered is None:  # an injected transport fault: hang up, answer nothing
                self.close_connection = True
                return
            self._send(answered, target or "POST (no X-Amz-Target)")
        else:
            self._send(self.server.control(self.server, method, path, parts.query, b""), path)

    def _rekognition(self, target: Optional[str], body: bytes) -> Optional[WireAnswer]:
        region = region_of(self.headers.get("Authorization"))
        try:
            return respond(target, body, self.server.fake.handle, region)
        except TRANSPORT_EXCEPTIONS:  # fake.fail(op, "ConnectionClosedError"), ...
            return None
        except NotEmulatedError as exc:
            # In process the client raises it; over HTTP it is an error answer the SDK shows.
            return error_answer(ServiceError("NotEmulatedError", str(exc), status=501))
        except RekostubError as exc:  # e.g. a scripted answer (a callable) gave a bad response
            return error_answer(ServiceError("RekostubError", str(exc), status=500))
        except Exception as exc:  # a bug in rekostub: answer it, log it, keep serving
            traceback.print_exc(file=sys.stderr)
            text = f"rekostub failed answering this request: {exc!r} (a bug; please report it)"
            return error_answer(ServiceError("InternalFailure", text, status=500))

    def _read_body(self) -> Optional[bytes]:
        """The request body, or None when the request was answered here or the client left."""
        if self.headers.get("Transfer-Encoding"):
            self._refuse(411, "send the body with a Content-Length (chunked bodies are not served)")
            return None
        text = self.headers.get("Content-Length", "0")
        try:
            length = int(text)
            if length < 0:
                raise ValueError
        except ValueError:
            self._refuse(400, f"Content-Length must be a whole number of bytes, not {text!r}")
            return None
        if length > self.server.max_body:
            if length <= _DRAIN_LIMIT:
                self._drain(length)
            self._refuse(
                413,
                f"the request body is {length} bytes; this server takes at most "
                f"{self.server.max_body} (an image over Rekognition's 5 MB limit is refused by "
                f"the service too; start the server with a larger --max-body to send more)",
                code="RequestEntityTooLargeException",
            )
            return None
        data = self.rfile.read(length)
        if len(data) < length:  # the client hung up mid-request: nothing to answer
            self.close_connection = True
            return None
        return data

    def _drain(self, length: int) -> None:
        while length > 0:
            chunk = self.rfile.read(min(length, _CHUNK))
            if not chunk:
                return
            length -= len(chunk)

    def _refuse(self, status: int, message: str, code: str = "BadRequest") -> None:
        self.close_connection = True
        self._send(error_answer(ServiceError(code, message, status=status)), f"refused {status}")

    def _send(self, answer: WireAnswer, label: str) -> None:
        self.send_response_only(answer.status)  # no Server/Date of its own: the wire's headers
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(answer.body)
        if self.server.log is not None:
            self.server.log(f"{self.address_string()} {label} -> {answer.status}")

    def log_message(self, format: str, *args: Any) -> None:
        """The standard library's own notes (malformed requests, time-outs)."""
        if self.server.log is not None:
            self.server.log(f"{self.address_string()} {format % args}")
