"""Shared helpers for the whole suite: real boto3 clients, a small fixture, a loopback listener.

Every test runs with no AWS credentials, no AWS config file, no proxy and the EC2 metadata
service disabled (``_isolated_aws_env``), so nothing a test does can pick up real credentials
or reach the network; a test that wants fake credentials or a proxy sets them itself.
"""

from __future__ import annotations

import json
import os
import select
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable, Optional

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import rekostub
from rekostub._common.names import service_model
from rekostub._validation.request import shape_problems

REGION = "us-east-1"

# Face ids of STAFF (lower-case UUIDs, as Rekognition's FaceId pattern requires).
ALICE_1 = "a11ce000-0000-4000-8000-000000000001"
ALICE_2 = "a11ce000-0000-4000-8000-000000000002"
BOB_1 = "b0b00000-0000-4000-8000-000000000001"
CAROL_1 = "ca401000-0000-4000-8000-000000000001"
#: A loose face of alice's identity pinned at similarity 85 to her other faces.
ALICE_85 = "a11ce000-0000-4000-8000-000000000085"
#: A loose face of an identity nobody in STAFF has.
STRANGER = "57a4e000-0000-4000-8000-000000000001"
#: A well-formed FaceId that is in no collection.
UNKNOWN_FACE = "00000000-0000-4000-8000-000000000000"

#: A small collection "staff": alice (2 faces), bob (1), carol (1), dave (no faces: CREATED),
#: and two loose faces. Users' faces take the user's id as their identity.
STAFF: dict[str, Any] = {
    "collections": {
        "staff": {
            "users": {
                "alice": {"faces": [{"face_id": ALICE_1}, {"face_id": ALICE_2}]},
                "bob": {"faces": [{"face_id": BOB_1}]},
                "carol": {"faces": [{"face_id": CAROL_1}]},
                "dave": {},
            },
            "faces": [
                {"face_id": ALICE_85, "identity": "alice", "similarity": 85},
                {"face_id": STRANGER, "identity": "stranger"},
            ],
        }
    }
}

_AWS_FILES = ("AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE")
_PROXY_VARS = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy")


@pytest.fixture(autouse=True)
def _isolated_aws_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No credentials, no config, no proxy, no instance metadata: a test starts offline."""
    for name in list(os.environ):
        if name.startswith("AWS_") or name == "REKOSTUB_FIXTURE":
            monkeypatch.delenv(name)
    for name in (*_PROXY_VARS, "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path_factory.getbasetemp() / "empty-aws-config"
    empty.touch()
    for name in _AWS_FILES:
        monkeypatch.setenv(name, str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # boto3.client() caches a default session, and with it any credentials it once found: a
    # test that set fake credentials must not leave them for the next test's control clients.
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytest's own ``pytester``, its inner runs given the loop-scope option that pytest-asyncio
    (a test dependency, loaded by every inner run) otherwise warns about."""
    monkeypatch.setenv("PYTEST_ADDOPTS", "-o asyncio_default_fixture_loop_scope=function")
    return pytester


ClientFactory = Callable[..., Any]


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    """The (code, message) of the AWS error a call raised."""
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def valid(operation: str, response: dict[str, Any]) -> list[str]:
    """The problems of ``response`` against the operation's output shape ([] when valid)."""
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    return shape_problems(service_model().operation_model(operation).output_shape, body)


def make_client(*, endpoint_url: Optional[str] = None, **config: Any) -> Any:
    """A real boto3 Rekognition client from a fresh session (so env changes are seen).

    ``config`` keywords go to ``botocore.config.Config`` (``retries=...``,
    ``parameter_validation=False``, ...).
    """
    return boto3.session.Session().client(
        "rekognition",
        region_name=REGION,
        endpoint_url=endpoint_url,
        config=Config(**config) if config else None,
    )


@pytest.fixture
def client() -> Iterator[ClientFactory]:
    """``client(**config)``: a new real boto3 Rekognition client (see :func:`make_client`).

    The clients are closed after the test, so a connection a control test opened to the
    loopback listener is not left for the garbage collector to report in a later test.
    """
    made: list[Any] = []

    def factory(**kwargs: Any) -> Any:
        made.append(make_client(**kwargs))
        return made[-1]

    yield factory
    for c in made:
        c.close()


@pytest.fixture
def staff() -> Iterator[rekostub.FakeRekognition]:
    """A fake built from STAFF, answering every Rekognition client for the test."""
    with rekostub.stub(fixture=STAFF) as fake:
        yield fake


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it accepts and closes them.

    Used as ``endpoint_url`` or as a proxy: any request that escapes the fake lands here.
    """

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.05)
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._count = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, name="rekostub-test-listener", daemon=True
        )
        self._thread.start()

    @property
    def connections(self) -> int:
        """Connections accepted so far (waits for any already queued to be accepted first)."""
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and select.select([self._sock], [], [], 0)[0]:
            time.sleep(0.005)
        with self._lock:
            return self._count

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:  # timeout (poll the stop flag) or closed
                continue
            with self._lock:
                self._count += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A loopback listener counting connections; ``listener.url`` / ``listener.connections``."""
    server = Listener()
    try:
        yield server
    finally:
        server.close()


def write_json(path: Path, data: Any) -> Path:
    """Write ``data`` as JSON to ``path`` and return the path."""
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
