"""rekostub: an in-memory Amazon Rekognition face-collection fake for boto3 tests.

``import rekostub`` makes every Rekognition client created afterwards stub-able; nothing is
intercepted until a :func:`stub` (or the pytest fixture, or ``REKOSTUB_FIXTURE``) is in force.
"""

from __future__ import annotations

from ._activation import install as _install
from ._calls import Call, CallLog, ErrorAnswer
from ._errors import FixtureError, NotEmulatedError, RekostubError
from ._fake import FakeRekognition
from ._fixture import load_fixture
from ._imagecodec import face_image
from ._stub import stub

__all__ = [
    "Call",
    "CallLog",
    "ErrorAnswer",
    "FakeRekognition",
    "FixtureError",
    "NotEmulatedError",
    "RekostubError",
    "face_image",
    "load_fixture",
    "stub",
]
__version__ = "0.1.0"

_install()
