"""Shared by the ``test_validation*`` files: botocore's real Rekognition model, the patterns and
enum texts its messages quote, and helpers that run ``validate_request`` and return the
ValidationException or SerializationException message it raises.
"""

from __future__ import annotations

import base64
from typing import Any

import botocore.session
import pytest
from botocore.model import OperationModel, ServiceModel

from rekostub._common.errors import ServiceError
from rekostub._validation.request import validate_request

MODEL: ServiceModel = botocore.session.get_session().get_service_model("rekognition")

FACE = "11111111-2222-4333-8444-555555555555"
FACE_RE = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
COLLECTION_RE = r"[a-zA-Z0-9_.\-]+"
USER_RE = r"[a-zA-Z0-9_.\-:]+"
QUALITY = "[NONE, AUTO, LOW, MEDIUM, HIGH]"
ATTRIBUTES = (
    "[DEFAULT, ALL, AGE_RANGE, BEARD, EMOTIONS, EYE_DIRECTION, EYEGLASSES, EYES_OPEN, GENDER, "
    "MOUTH_OPEN, MUSTACHE, FACE_OCCLUDED, SMILE, SUNGLASSES]"
)
TAG_KEY_RE = r"^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$"
TAG_VALUE_RE = r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$"


def op(name: str) -> OperationModel:
    return MODEL.operation_model(name)


def error(operation: str, body: Any) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        validate_request(op(operation), body)
    return info.value


def invalid(operation: str, body: Any) -> str:
    """The ValidationException message for ``body``."""
    exc = error(operation, body)
    assert exc.code == "ValidationException", exc.message
    assert exc.status == 400
    return exc.message


def unreadable(operation: str, body: Any) -> str:
    """The SerializationException message for ``body``."""
    exc = error(operation, body)
    assert exc.code == "SerializationException", exc.message
    assert exc.status == 400
    return exc.message


def one(item: str) -> str:
    return f"1 validation error detected: {item}"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
