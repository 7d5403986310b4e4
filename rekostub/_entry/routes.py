"""Ways in for processes where the ``.pth`` start-up hook cannot help: botocore's client plugins
and AWS CLI v1 plugins. ``rekostub`` re-exports both entry points (outside ``__all__``).

- ``BOTOCORE_EXPERIMENTAL__PLUGINS=rekostub=rekostub``: botocore imports ``rekostub`` and calls
  :func:`initialize_client_plugin` with every client it builds (``botocore/plugin.py``).
- An AWS CLI v1 config with ``[plugins]`` ``rekostub = rekostub``: the CLI imports ``rekostub``
  and calls :func:`awscli_initialize` with its session's event hooks (``awscli/plugin.py``);
  every client the CLI builds copies them.

With ``REKOSTUB_FIXTURE`` set, both answer every Rekognition client from that fixture. Without
it, or if rekostub fails to start, every Rekognition call is refused with the reason: botocore
swallows an exception raised by a plugin, so these functions never raise; they leave the client
answered or refusing.
"""

from __future__ import annotations

import os
import weakref
from typing import Any, Callable, Optional

from rekostub._common.errors import RekostubError
from rekostub._entry.activation import active_for, hook_client, is_rekognition
from rekostub._entry.autostart import ENV, start_from_environment

__all__ = ["awscli_initialize", "initialize_client_plugin"]

_REFUSER_ID = "rekostub-refuse"

Message = Callable[[str], str]  # the operation refused -> why


def _unset(route: str, where: str) -> Message:
    return lambda operation: (
        f"rekostub is loaded as {route} but {ENV} is not set, so {operation} was refused "
        f"(rekostub fails closed rather than let it reach AWS): set {ENV} to a fixture file, "
        f"e.g. {ENV}=tests/faces.json, or remove rekostub from {where} to call AWS"
    )


BOTOCORE_UNSET = _unset("a botocore plugin", "BOTOCORE_EXPERIMENTAL__PLUGINS")
AWSCLI_UNSET = _unset("an AWS CLI plugin", "the [plugins] section of the AWS CLI config")


def initialize_client_plugin(client: Any) -> None:
    """botocore's client-plugin entry point: answer (or refuse) this Rekognition client."""
    try:
        if not is_rekognition(client):
            return
        path = os.environ.get(ENV)
        if not path:
            ref = weakref.ref(client)
            # A stub() in force still answers the client; nothing else may reach AWS.
            _refuse(client.meta.events, BOTOCORE_UNSET, unless=lambda: _stubbed(ref))
            return
        start_from_environment(path)
        hook_client(client)
    except BaseException as exc:  # botocore would swallow it and send the request
        _refuse(client.meta.events, _failed(exc))
        if not isinstance(exc, Exception):
            raise


def awscli_initialize(event_hooks: Any) -> None:
    """The AWS CLI v1 plugin entry point: answer (or refuse) every Rekognition command."""
    try:
        path = os.environ.get(ENV)
        if not path:
            _refuse(event_hooks, AWSCLI_UNSET)
            return
        start_from_environment(path)  # the import of rekostub hooks every client built later
    except BaseException as exc:
        _refuse(event_hooks, _failed(exc))
        if not isinstance(exc, Exception):
            raise


def _stubbed(ref: weakref.ReferenceType[Any]) -> bool:
    client = ref()
    return client is not None and active_for(client) is not None


def _failed(exc: BaseException) -> Message:
    reason = (
        f"rekostub could not start ({ENV}={os.environ.get(ENV)!r}): {type(exc).__name__}: {exc}"
    )
    return lambda operation: f"{reason}; {operation} was refused so that it cannot reach AWS"


def _refuse(events: Any, message: Message, unless: Optional[Callable[[], bool]] = None) -> None:
    """Register, first, a ``before-call`` handler that raises for every Rekognition operation."""

    def refuse(model: Any = None, **_: Any) -> None:
        if unless is not None and unless():
            return
        raise RekostubError(message(getattr(model, "name", "the call")))

    events.register_first("before-call.rekognition", refuse, unique_id=_REFUSER_ID)
