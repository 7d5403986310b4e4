"""Turning rekostub on and off: which fake answers which Rekognition client.

``import rekostub`` wraps ``botocore.session.Session.create_client`` once, so every Rekognition
client created afterwards carries two inert handlers (registered first, like botocore's
Stubber attaches to a client's events). While an activation covers the client, they answer every
request from the fake and drop request signing; otherwise they do nothing.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Iterable
from typing import Any, Optional

import botocore
import botocore.session
from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from rekostub._wire.json_protocol import answer

__all__ = ["Activation", "activate", "deactivate", "hook_client", "install"]

_SEND_ID = "rekostub-before-send"
#: Where an answered request points afterwards (RFC 2606: ``.invalid`` never resolves).
ANSWERED_URL = "https://answered-by-rekostub.invalid/"
_SIGNER_ID = "rekostub-choose-signer"


class Activation:
    """One ``stub()`` in force: a dispatcher, and the clients it covers (None: all)."""

    def __init__(self, dispatcher: Any, clients: Optional[Iterable[Any]] = None) -> None:
        self.dispatcher = dispatcher
        self.client_ids: Optional[frozenset[int]] = (
            None if clients is None else frozenset(id(c) for c in clients)
        )

    def covers(self, client: Any) -> bool:
        return self.client_ids is None or id(client) in self.client_ids


_lock = threading.Lock()
_stack: tuple[Activation, ...] = ()  # innermost last; replaced whole, so readers need no lock


def activate(activation: Activation) -> None:
    global _stack
    with _lock:
        _stack = (*_stack, activation)


def deactivate(activation: Activation) -> None:
    """Remove ``activation`` wherever it is in the stack (exits may come out of order)."""
    global _stack
    with _lock:
        _stack = tuple(a for a in _stack if a is not activation)


def active_for(client: Any) -> Optional[Activation]:
    """The innermost activation covering ``client``."""
    for activation in reversed(_stack):
        if activation.covers(client):
            return activation
    return None


def _client_of(ref: weakref.ReferenceType[Any]) -> Any:
    return ref()


def _on_before_send(
    ref: weakref.ReferenceType[Any], request: AWSPreparedRequest, **_: Any
) -> Optional[AWSResponse]:
    client = ref()
    if client is None:
        return None
    activation = active_for(client)
    if activation is None:
        return None
    response = answer(request, activation.dispatcher, client.meta.region_name or "us-east-1")
    # botocore calls every before-send handler, even after one has answered, and other fakes
    # (moto's mock_aws) pick requests by URL: point this one, already answered, at a host that
    # can match none and never resolve, so nothing else handles it or could ever send it.
    request.url = ANSWERED_URL
    return response


def _on_choose_signer(ref: weakref.ReferenceType[Any], **_: Any) -> Any:
    client = ref()
    if client is not None and active_for(client) is not None:
        return botocore.UNSIGNED
    return None


def is_rekognition(client: Any) -> bool:
    meta = getattr(client, "meta", None)
    model = getattr(meta, "service_model", None)
    return getattr(model, "service_name", None) == "rekognition"


def hook_client(client: Any) -> bool:
    """Attach the handlers to one Rekognition client (idempotent). True if newly attached."""
    if getattr(client, "_rekostub_hooked", False):
        return False
    ref = weakref.ref(client)
    events = client.meta.events
    events.register_first(
        "before-send.rekognition", functools.partial(_on_before_send, ref), unique_id=_SEND_ID
    )
    events.register_first(
        "choose-signer.rekognition", functools.partial(_on_choose_signer, ref), unique_id=_SIGNER_ID
    )
    client._rekostub_hooked = True
    return True


def unhook_client(client: Any) -> None:
    events = client.meta.events
    events.unregister("before-send.rekognition", unique_id=_SEND_ID)
    events.unregister("choose-signer.rekognition", unique_id=_SIGNER_ID)
    client._rekostub_hooked = False


_installed = False


def install() -> None:
    """Wrap Session.create_client so every Rekognition client created from now on is hooked."""
    global _installed
    with _lock:
        if _installed:
            return
        original = botocore.session.Session.create_client

        @functools.wraps(original)
        def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(self, *args, **kwargs)
            if is_rekognition(client):
                hook_client(client)
            return client

        create_client.__rekostub_original__ = original  # type: ignore[attr-defined]
        botocore.session.Session.create_client = create_client
        _installed = True
