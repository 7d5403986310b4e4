"""Turning rekostub on and off: which fake answers which Rekognition client.

``import rekostub`` wraps ``botocore.client.BaseClient.__init__`` once: every Rekognition client
built afterwards, botocore's or aiobotocore's (its ``AioBaseClient`` inherits that ``__init__``,
even when aiobotocore is imported after rekostub), carries two inert handlers, registered first
as botocore's Stubber does. While an activation covers the client, they answer every request
from the fake and drop request signing; otherwise they do nothing.

Which activation answers a call (threads and asyncio tasks):

1. the innermost activation entered in the calling context that covers the client: a stub
   entered in a thread or an asyncio task covers that thread's or task's calls (and those of
   tasks it starts afterwards, which copy its context), whatever other threads have entered;
2. otherwise the most recently entered activation still in force anywhere in the process that
   covers the client. A thread with no stub of its own (a ``ThreadPoolExecutor`` worker started
   under a test's stub) is answered, never sent: rekostub fails closed;
3. otherwise a *base* activation (``activate(..., base=True)``: ``REKOSTUB_FIXTURE``'s fake),
   which answers only what no stub covers, whenever and in whichever thread it was started.
"""

from __future__ import annotations

import contextvars
import functools
import threading
import weakref
from collections.abc import Iterable
from typing import Any, Optional

import botocore
import botocore.client
from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from rekostub._entry.fastpath import speed_up
from rekostub._wire.aio import as_async_response, is_async_client
from rekostub._wire.json_protocol import answer

__all__ = [
    "Activation",
    "activate",
    "active_for",
    "current_activations",
    "deactivate",
    "hook_client",
    "install",
    "is_rekognition",
    "unhook_client",
]

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
        #: In force (between activate and deactivate). A context that copied this activation
        #: (a task started inside the stub) must not use it once it is left.
        self.live = False

    def covers(self, client: Any) -> bool:
        return self.client_ids is None or id(client) in self.client_ids


_lock = threading.Lock()
#: Every activation in force in the process, in the order entered; replaced whole, so readers
#: need no lock.
_stack: tuple[Activation, ...] = ()
#: Process-wide activations under every stub (``REKOSTUB_FIXTURE``), in the order started.
_base: tuple[Activation, ...] = ()
#: The activations entered in the current thread / asyncio task, innermost last.
_context: contextvars.ContextVar[tuple[Activation, ...]] = contextvars.ContextVar(
    "rekostub_activations", default=()
)


def activate(activation: Activation, *, base: bool = False) -> None:
    """Put ``activation`` in force: innermost in the calling context, newest in the process.

    ``base=True``: process-wide and below every other activation, in every thread, however late
    it starts (``REKOSTUB_FIXTURE``'s fake may start inside a test's stub, at the first client).
    """
    global _stack, _base
    with _lock:
        if base:
            _base = (*_base, activation)
        else:
            _stack = (*_stack, activation)
        activation.live = True
    if not base:
        _context.set((*_context.get(), activation))


def deactivate(activation: Activation) -> None:
    """Take ``activation`` out of force, wherever it is (exits may come out of order, or from
    another thread than the one that entered it)."""
    global _stack, _base
    with _lock:
        _stack = tuple(a for a in _stack if a is not activation)
        _base = tuple(a for a in _base if a is not activation)
        activation.live = False
    mine = _context.get()
    if any(a is activation for a in mine):
        _context.set(tuple(a for a in mine if a is not activation))


def current_activations() -> tuple[Activation, ...]:
    """The activations entered in the calling thread / asyncio task, innermost last."""
    return _context.get()


def active_for(client: Any) -> Optional[Activation]:
    """The activation answering ``client`` here: see the module docstring for the order."""
    for activation in reversed(_context.get()):
        if activation.live and activation.covers(client):
            return activation
    for activation in (*reversed(_stack), *reversed(_base)):
        if activation.covers(client):
            return activation
    return None


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
    if is_async_client(client):
        response = as_async_response(response)
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
    speed_up(client, active_for)  # rekostub._entry.fastpath: per-call savings while stubbed
    return True


def unhook_client(client: Any) -> None:
    events = client.meta.events
    events.unregister("before-send.rekognition", unique_id=_SEND_ID)
    events.unregister("choose-signer.rekognition", unique_id=_SIGNER_ID)
    client._rekostub_hooked = False


_installed = False


def install() -> None:
    """Hook every Rekognition client built from now on, sync (botocore, boto3) or async
    (aiobotocore, aioboto3): both kinds run ``BaseClient.__init__``, whichever session made them.
    """
    global _installed
    with _lock:
        if _installed:
            return
        base = botocore.client.BaseClient
        original = base.__init__

        @functools.wraps(original)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            if is_rekognition(self):
                hook_client(self)

        __init__.__rekostub_original__ = original  # type: ignore[attr-defined]
        base.__init__ = __init__
        _installed = True
