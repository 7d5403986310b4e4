"""rekostub: an in-memory Amazon Rekognition face-collection fake for boto3 tests.

``import rekostub`` makes every Rekognition client created afterwards stub-able; nothing is
intercepted until a :func:`stub` (or the pytest fixture, or ``REKOSTUB_FIXTURE``) is in force.
"""

from __future__ import annotations

from rekostub._common.errors import FixtureError, NotEmulatedError, RekostubError
from rekostub._common.version import __version__ as __version__
from rekostub._engine.model import Collection, Face, User
from rekostub._engine.state import State
from rekostub._entry.activation import install as _install
from rekostub._entry.routes import awscli_initialize as awscli_initialize
from rekostub._entry.routes import initialize_client_plugin as initialize_client_plugin
from rekostub._entry.stub import stub
from rekostub._fixtures.load import load_fixture
from rekostub._fixtures.specs import CollectionSpec, Fixture, FixtureSource
from rekostub._images.codec import face_image
from rekostub._server.client import ServerControl
from rekostub._server.serve import Server, serve
from rekostub._service.calls import Call, CallLog, ErrorAnswer
from rekostub._service.fake import FakeRekognition

__all__ = [
    "Call",
    "CallLog",
    "Collection",
    "CollectionSpec",
    "ErrorAnswer",
    "Face",
    "FakeRekognition",
    "Fixture",
    "FixtureError",
    "FixtureSource",
    "NotEmulatedError",
    "RekostubError",
    "Server",
    "ServerControl",
    "State",
    "User",
    "face_image",
    "load_fixture",
    "serve",
    "stub",
]

_install()
