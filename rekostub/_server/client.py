"""``rekostub.ServerControl``: the control API from Python (a server in this process or not)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional, Union
from urllib.parse import quote

from rekostub._common.errors import RekostubError

__all__ = ["ServerControl"]

# Loopback only: never through a proxy from the environment (HTTP_PROXY and friends).
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerControl:
    """Drive a rekostub server's control API: ``ServerControl("http://127.0.0.1:8599")``.

    Every method raises :class:`rekostub.RekostubError` with the server's explanation when the
    server refuses the request (the server's state is then unchanged).
    """

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url: str = url.rstrip("/")
        self.timeout: float = timeout

    def _request(self, method: str, path: str, body: Optional[Mapping[str, Any]] = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            f"{self.url}/_rekostub{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read()).get("message", "")
            except ValueError:
                message = ""
            raise RekostubError(
                f"the rekostub server at {self.url} refused {method} /_rekostub{path} "
                f"({exc.code}): {message}"
            ) from None

    def reset(self) -> None:
        """Start over from the server's fixture: state, call log and injected faults."""
        self._request("POST", "/reset", {})

    def load(self, fixture: Union[Mapping[str, Any], str, os.PathLike[str]]) -> None:
        """Replace the state with ``fixture`` (a dict, or a file path: made absolute here, the
        server reads it); later resets return to it."""
        source: Any = (
            dict(fixture) if isinstance(fixture, Mapping) else str(Path(fixture).resolve())
        )
        self._request("POST", "/fixture", {"fixture": source})

    def fail(
        self, operation: str, code: str, times: int = 1, message: Optional[str] = None
    ) -> None:
        """Make the next ``times`` calls of ``operation`` answer the error ``code``."""
        body: dict[str, Any] = {"operation": operation, "code": code, "times": times}
        if message is not None:
            body["message"] = message
        self._request("POST", "/fail", body)

    def add_response(self, operation: str, response: Mapping[str, Any]) -> None:
        """Script the answer to an operation rekostub does not emulate (e.g. DetectLabels)."""
        self._request("POST", "/responses", {"operation": operation, "response": dict(response)})

    def calls(self, operation: Optional[str] = None) -> list[dict[str, Any]]:
        """The call log, oldest first: dicts with operation, params (blobs in base64), region,
        response and error (code, message, status)."""
        query = "" if operation is None else f"?operation={quote(operation)}"
        return list(self._request("GET", f"/calls{query}")["calls"])

    def clear_calls(self) -> None:
        """Forget the call log."""
        self._request("DELETE", "/calls")

    def snapshot(self) -> dict[str, Any]:
        """The current state as a fixture dict (loadable with :meth:`load` or a file)."""
        return dict(self._request("GET", "/snapshot"))
