"""Helpers for the server-mode tests: SDK clients pointed at a server, raw HTTP, its state."""

from __future__ import annotations

import http.client
import json
import socket
from typing import Any, Optional

import boto3
from botocore.config import Config

import rekostub

#: Dummy credentials, passed to clients only (never written anywhere): SigV4 is not verified.
DUMMY_KEY = "AKIDREKOSTUBTESTING"
DUMMY_SECRET = "not-a-secret"


def server_client(server: rekostub.Server, region: str = "us-east-1", **config: Any) -> Any:
    """A real boto3 Rekognition client signing (dummy credentials) requests to ``server``."""
    session = boto3.session.Session(
        aws_access_key_id=DUMMY_KEY, aws_secret_access_key=DUMMY_SECRET, region_name=region
    )
    return session.client(
        "rekognition",
        endpoint_url=server.url,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}, **config),
    )


def post(
    server: rekostub.Server,
    body: bytes,
    target: Optional[str] = "RekognitionService.ListCollections",
    path: str = "/",
    method: str = "POST",
    headers: Optional[dict[str, str]] = None,
) -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP request to ``server``: (status, headers lower-cased, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        sent = {"Content-Type": "application/x-amz-json-1.1", **(headers or {})}
        if target is not None:
            sent["X-Amz-Target"] = target
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def raw_exchange(server: rekostub.Server, data: bytes, *, read: bool = True) -> bytes:
    """Send ``data`` as is on a fresh connection; what comes back until the server closes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(data)
        if not read:
            return b""
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def state_of(server: rekostub.Server) -> tuple[str, int]:
    """What must not change after a bad request: the snapshot and the call-log length."""
    return json.dumps(server.fake.snapshot(), sort_keys=True), len(server.fake.calls)
