"""Process-wide activation from the ``REKOSTUB_FIXTURE`` environment variable."""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping
from typing import Any, Optional

from rekostub._common.errors import RekostubError
from rekostub._entry.activation import Activation, activate, install
from rekostub._service.fake import FakeRekognition

__all__ = ["environment_fake", "start_from_environment"]

_fake: Optional[FakeRekognition] = None


def environment_fake() -> Optional[FakeRekognition]:
    """The fake answering this process's calls under ``REKOSTUB_FIXTURE`` (once loaded)."""
    return _fake


def start_from_environment(path: str) -> None:
    """Intercept every Rekognition client of this process, answered from the fixture at ``path``.

    The fixture is loaded on the first Rekognition call (start-up stays cheap for processes that
    never call Rekognition). A bad fixture makes every Rekognition call raise, never pass through.
    """
    install()
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
                    sys.stderr.write(f"rekostub: REKOSTUB_FIXTURE={path!r}: {exc}\n")
        if failure:
            raise RekostubError(
                f"rekostub is on (REKOSTUB_FIXTURE={path!r}) but its fixture could not be "
                f"loaded, so {operation} was refused: {failure[0]}"
            ) from failure[0]
        assert _fake is not None
        return _fake.handle(operation, body, region)

    activate(Activation(dispatch), base=True)
