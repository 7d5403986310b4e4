"""Process-wide activation from the ``REKOSTUB_FIXTURE`` environment variable."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Mapping
from typing import Any, Optional

from rekostub._common.errors import RekostubError
from rekostub._entry.activation import Activation, activate, install
from rekostub._service.fake import FakeRekognition

__all__ = ["ENV", "environment_fake", "start_from_environment"]

ENV = "REKOSTUB_FIXTURE"

_fake: Optional[FakeRekognition] = None
_started: Optional[str] = None
_start_lock = threading.Lock()


def environment_fake() -> Optional[FakeRekognition]:
    """The fake answering this process's calls under ``REKOSTUB_FIXTURE`` (once loaded)."""
    return _fake


def start_from_environment(path: str) -> None:
    """Intercept every Rekognition client of this process, answered from the fixture at ``path``.

    Idempotent (the start-up hook and the plugin routes may all call it). A relative ``path`` is
    resolved now and exported resolved to child processes. The fixture is loaded on the first
    Rekognition call; a bad fixture makes every Rekognition call raise, never pass through.
    """
    global _started
    path = os.path.abspath(path)
    with _start_lock:
        if _started is not None:
            if _started != path:
                raise RekostubError(
                    f"rekostub already answers this process from {ENV}={_started!r}; "
                    f"it cannot switch to {path!r}"
                )
            return
        install()
        os.environ[ENV] = path
        activate(Activation(_dispatcher(path)), base=True)  # below every stub
        _started = path


def _dispatcher(path: str) -> Any:
    lock = threading.Lock()
    failure: list[BaseException] = []

    def dispatch(operation: str, body: Mapping[str, Any], region: str) -> Mapping[str, Any]:
        global _fake
        with lock:
            if _fake is None and not failure:
                try:
                    _fake = FakeRekognition(path)
                except Exception as exc:
                    failure.append(exc)
                    sys.stderr.write(f"rekostub: {ENV}={path!r}: {exc}\n")
        if failure:
            raise RekostubError(
                f"rekostub is on ({ENV}={path!r}) but its fixture could not be "
                f"loaded, so {operation} was refused: {failure[0]}"
            ) from failure[0]
        assert _fake is not None
        return _fake.handle(operation, body, region)

    return dispatch
