"""``rekostub.stub``: the context manager and decorator that turns the fake on."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar, cast

from rekostub._entry.activation import (
    Activation,
    activate,
    active_for,
    current_activations,
    deactivate,
    hook_client,
    is_rekognition,
    unhook_client,
)
from rekostub._entry.decorate import decorate
from rekostub._fixtures.load import FixtureSource
from rekostub._service.fake import FakeRekognition

if TYPE_CHECKING:
    from botocore.client import BaseClient

__all__ = ["stub"]

F = TypeVar("F", bound=Callable[..., Any])


class stub:  # lower-case: used like a function, ``with rekostub.stub():``
    """Answer Rekognition calls from an in-memory fake while in force.

    ``with rekostub.stub(fixture="faces.json") as fake:`` - every Rekognition client created
    after ``import rekostub`` (before or after this line) is answered by ``fake``.
    ``with rekostub.stub(client_a, client_b):`` - only those clients.
    As a decorator, each call of the function gets a fresh fake, passed as the keyword argument
    ``fake_rekognition`` when the function has a parameter of that name. On a test class
    (pytest or ``unittest.TestCase``) each test gets a fresh fake, shared by its set-up and
    tear-down and held as ``self.fake_rekognition``.

    Nesting: the innermost stub in force that covers a client answers it; leaving a stub
    restores what was in force before. ``fake=`` reuses an existing fake instead of building one.

    Threads and asyncio tasks: a stub covers the calls of the thread or task that entered it
    (and of tasks started inside it), so two threads each in their own ``stub()`` each see their
    own fake. A thread or task with no stub of its own covering a client (a worker thread started
    under a test's stub) is answered by the most recently entered stub in force anywhere in the
    process that covers it: a call is never sent while any stub covering the client is in force.
    aiobotocore / aioboto3 clients are answered exactly like boto3 clients.
    """

    def __init__(
        self,
        *clients: BaseClient,
        fixture: FixtureSource = None,
        fake: Optional[FakeRekognition] = None,
    ) -> None:
        for client in clients:
            if not is_rekognition(client):
                raise TypeError(
                    f"rekostub.stub() takes Rekognition clients, not {client!r}; create one with "
                    "boto3.client('rekognition', region_name=...)"
                )
        if fake is not None and fixture is not None:
            raise TypeError("pass fixture= or fake=, not both")
        self._clients = clients
        self._fixture = fixture
        self._given_fake = fake
        self._entered: list[tuple[Activation, list[Any]]] = []
        self._entered_lock = threading.Lock()

    def __enter__(self) -> FakeRekognition:
        fake = self._given_fake or FakeRekognition(self._fixture)
        activation = Activation(fake.handle, self._clients if self._clients else None)
        newly_hooked = [c for c in self._clients if hook_client(c)]
        activate(activation)
        with self._entered_lock:
            self._entered.append((activation, newly_hooked))
        return fake

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        with self._entered_lock:
            activation, newly_hooked = self._entered.pop(self._innermost_here())
        deactivate(activation)
        for client in newly_hooked:
            # Another stub still covering it (exits out of order) needs the handlers; inert
            # handlers left on a client answer nothing, so keeping them is always safe.
            if active_for(client) is None:
                unhook_client(client)

    def _innermost_here(self) -> int:
        """Which of this stub's entries to leave: the innermost one entered in the calling
        thread/task (one ``stub`` object may be entered in several threads at once), else the
        last one entered anywhere (``stop()`` called from another thread than ``start()``)."""
        mine = current_activations()
        for index in range(len(self._entered) - 1, -1, -1):
            if any(a is self._entered[index][0] for a in mine):
                return index
        return len(self._entered) - 1

    def start(self) -> FakeRekognition:
        """Turn on without a ``with`` block (pair with :meth:`stop`)."""
        return self.__enter__()

    def stop(self) -> None:
        """Turn off what :meth:`start` turned on (restores what was in force before)."""
        self.__exit__(None, None, None)

    def _fresh(self) -> stub:
        """A new stub with the same settings: each decorated call (and thread) has its own."""
        return stub(*self._clients, fixture=self._fixture, fake=self._given_fake)

    def __call__(self, target: F) -> F:
        """Decorate a function, a coroutine function or a test class (see ``decorate``)."""
        return cast(F, decorate(target, self._fresh))
