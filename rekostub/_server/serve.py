"""``rekostub.serve``: a server on a background thread, and its ``--state`` file."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Callable, Optional, Union

from rekostub._fixtures.load import FixtureSource, load_fixture
from rekostub._server.client import ServerControl
from rekostub._server.control import handle_control
from rekostub._server.http import DEFAULT_MAX_BODY, RekostubHTTPServer
from rekostub._service.fake import FakeRekognition

__all__ = ["Server", "serve"]

_POLL = 0.1  # seconds between checks for shutdown in serve_forever: stop() takes at most this


def save_state(fake: FakeRekognition, path: Union[str, os.PathLike[str]]) -> None:
    """Write ``fake``'s snapshot to ``path`` as JSON, atomically (a crash leaves the old file)."""
    target = Path(path)
    text = json.dumps(fake.snapshot(), indent=1)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class Server:
    """A rekostub server listening on ``url`` and answering from ``fake`` (see :func:`serve`)."""

    def __init__(
        self,
        fixture: FixtureSource = None,
        *,
        fake: Optional[FakeRekognition] = None,
        host: str = "127.0.0.1",
        port: int = 0,
        state: Union[str, os.PathLike[str], None] = None,
        max_body: int = DEFAULT_MAX_BODY,
        log: Optional[Callable[[str], None]] = None,
    ) -> None:
        if fake is not None and (fixture is not None or state is not None):
            raise TypeError("pass fake= alone, or fixture= and/or state=")
        reset_to = None
        if fake is None:
            reset_to = load_fixture(fixture)
            start = state if state is not None and Path(state).exists() else reset_to
            fake = FakeRekognition(start)
        self.fake: FakeRekognition = fake
        self.state_file: Optional[Path] = None if state is None else Path(state)
        self._http = RekostubHTTPServer(
            (host, port), fake, handle_control, max_body=max_body, log=log
        )
        self._http.reset_to = reset_to
        bound_host, port_bound = self._http.server_address[:2]
        self.port: int = int(port_bound)
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
        shown = "::1" if shown == "::" else shown
        self.host: str = str(bound_host)
        self.url: str = (
            f"http://[{shown}]:{self.port}" if ":" in shown else f"http://{shown}:{self.port}"
        )
        self.control: ServerControl = ServerControl(self.url)
        self._thread: Optional[threading.Thread] = threading.Thread(
            target=self._http.serve_forever,
            kwargs={"poll_interval": _POLL},
            name=f"rekostub-server-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving (open connections are hung up), then write the ``state`` file if any.
        Idempotent; takes about a tenth of a second."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._http.shutdown()
        self._http.close_connections()
        self._http.server_close()
        thread.join()
        if self.state_file is not None:
            save_state(self.fake, self.state_file)

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        running = "running" if self._thread is not None else "stopped"
        return f"<rekostub Server {self.url} ({running})>"


def serve(
    fixture: FixtureSource = None,
    *,
    fake: Optional[FakeRekognition] = None,
    host: str = "127.0.0.1",
    port: int = 0,
    state: Union[str, os.PathLike[str], None] = None,
    max_body: int = DEFAULT_MAX_BODY,
) -> Server:
    """Serve Rekognition over HTTP from a background thread, now; stop with ``server.stop()``
    or by leaving ``with rekostub.serve(fixture=...) as server:``.

    ``server.url`` is the endpoint for any SDK (``endpoint_url=``, ``--endpoint-url``,
    ``AWS_ENDPOINT_URL_REKOGNITION``), with any (dummy) credentials: SigV4 signatures are
    accepted, not verified. ``server.fake`` is the :class:`FakeRekognition` answering (its call
    log, faults, snapshot), ``server.control`` the control API client. ``port=0`` picks a free
    port; ``fake=`` serves an existing fake; ``state=`` names a JSON file loaded if it exists
    and written with a snapshot when the server stops. Bodies over ``max_body`` bytes get 413.
    """
    return Server(
        fixture, fake=fake, host=host, port=port, state=state, max_body=max_body, log=None
    )
