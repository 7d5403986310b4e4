"""``rekostub serve``: the command line around :class:`rekostub._server.serve.Server`."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from rekostub._common.errors import FixtureError
from rekostub._server.http import CONTROL_PREFIX, DEFAULT_MAX_BODY
from rekostub._server.serve import Server

__all__ = ["DEFAULT_PORT", "HELP", "add_arguments", "add_serve_command", "run"]

DEFAULT_PORT = 8599
HELP = "serve Rekognition over HTTP (JSON 1.1) for any SDK or the AWS CLI"


def add_serve_command(commands: Any) -> None:
    """Add ``serve`` to an argparse sub-command set (:func:`run` runs it)."""
    add_arguments(commands.add_parser("serve", help=HELP, description=HELP))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``serve``'s arguments on its sub-parser (the CLI's command table calls this)."""
    parser.add_argument("--fixture", help="fixture file (.json/.toml/.yaml) to start from")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}; 0 picks a free one"
    )
    parser.add_argument(
        "--state",
        metavar="FILE",
        help="load the state from FILE if it exists; write a snapshot to it on shutdown",
    )
    parser.add_argument(
        "--max-body",
        type=int,
        default=DEFAULT_MAX_BODY,
        metavar="BYTES",
        help=f"largest request body served; bigger ones get 413 (default {DEFAULT_MAX_BODY})",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log requests to stderr")


def _log(line: str) -> None:
    print(f"rekostub: {line}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGTERM or Ctrl-C; the first line on stdout is the endpoint URL."""
    try:
        server = Server(
            args.fixture,
            host=args.host,
            port=args.port,
            state=args.state,
            max_body=args.max_body,
            log=None if args.quiet else _log,
        )
    except FixtureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(server.url, flush=True)
    _log(
        f"serving Rekognition at {server.url} (SigV4 signatures accepted, not verified); "
        f"control API at {server.url}{CONTROL_PREFIX}/; Ctrl-C or SIGTERM stops"
    )
    while not stop.wait(0.1):
        pass
    try:
        server.stop()
    except OSError as exc:
        print(f"error: could not write the state file {args.state}: {exc}", file=sys.stderr)
        return 1
    _log("stopped" + (f"; state written to {args.state}" if args.state else ""))
    return 0
