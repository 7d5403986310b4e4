"""pytest plugin: the ``fake_rekognition`` fixture, the ``rekostub`` marker, a default fixture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

import pytest

from rekostub._entry.stub import stub
from rekostub._server.serve import Server, serve
from rekostub._service.fake import FakeRekognition

FIXTURE_NAME = "fake_rekognition"
MARKER_HELP = (
    "rekostub(fixture=None, account_id=None, updating_seconds=None, enabled=True): answer "
    "Rekognition calls in this test from a fresh fake built from `fixture` (a dict or a path "
    "relative to the test file); the test gets the fake_rekognition fixture without asking for "
    "it. enabled=False opts the test out of a configured default fixture (rekostub_fixture)."
)


def pytest_addoption(parser: pytest.Parser) -> None:
    help_text = "default rekostub fixture file: every test gets a fresh fake built from it"
    parser.addini("rekostub_fixture", f"{help_text} (relative to the ini file)", default=None)
    parser.getgroup("rekostub").addoption(
        "--rekostub-fixture",
        dest="rekostub_fixture",
        default=None,
        help=f"{help_text} (relative to the directory pytest was started in)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)


def _default_fixture(config: pytest.Config) -> Optional[str]:
    option = config.getoption("rekostub_fixture")
    if option:
        # Not the current directory: a test may have changed it before the fixture runs.
        return str(config.invocation_params.dir / option)
    ini = config.getini("rekostub_fixture")
    if ini:
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        return str(base / str(ini))
    return None


def _options(request: pytest.FixtureRequest) -> Optional[dict[str, Any]]:
    """The closest ``rekostub`` marker's options; None when it opts the test out."""
    marker = request.node.get_closest_marker("rekostub")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    enabled = options.pop("enabled", True)
    if enabled is True:
        return options
    if enabled is not False or options:
        pytest.fail(
            f"@pytest.mark.rekostub(enabled=False) opts a test out and takes no other option; "
            f"got enabled={enabled!r} with {sorted(options)}",
            pytrace=False,
        )
    return None


@pytest.fixture(autouse=True)
def _rekostub_every_test(request: pytest.FixtureRequest) -> None:
    """A marked test, and every test when a default fixture is configured, gets a fresh fake."""
    marked = request.node.get_closest_marker("rekostub") is not None
    if (marked or _default_fixture(request.config)) and _options(request) is not None:
        request.getfixturevalue(FIXTURE_NAME)


@pytest.fixture
def fake_rekognition(request: pytest.FixtureRequest) -> Iterator[FakeRekognition]:
    """A fresh fake per test; every Rekognition client is answered by it during the test."""
    options = _options(request)
    if options is None:
        pytest.fail(
            f"{request.node.nodeid} asks for fake_rekognition but is marked "
            "rekostub(enabled=False): drop one of the two",
            pytrace=False,
        )
    fixture = options.pop("fixture", None)
    if isinstance(fixture, (str, Path)):
        fixture = str(Path(request.path).parent / fixture)
    elif fixture is None:
        fixture = _default_fixture(request.config)
    fake = FakeRekognition(fixture, **options)
    with stub(fake=fake):
        yield fake


@pytest.fixture
def rekostub_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """A rekostub server on a free loopback port for this test (``.url``, ``.fake``,
    ``.control``), for programs outside this process. With ``fake_rekognition`` (or the
    ``rekostub`` marker) in the test too, it serves that same fake; else the default fixture."""
    if FIXTURE_NAME in request.fixturenames:
        fake = request.getfixturevalue(FIXTURE_NAME)
    else:
        fake = FakeRekognition(_default_fixture(request.config))
    with serve(fake=fake) as server:
        yield server
