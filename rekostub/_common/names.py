"""Operation names: the API's (``SearchUsers``) from either spelling, checked against the model."""

from __future__ import annotations

import difflib
import functools

from botocore.model import ServiceModel
from botocore.session import get_session

__all__ = ["api_name", "service_model"]


@functools.cache
def service_model() -> ServiceModel:
    """botocore's loaded Rekognition model (loaded once per process)."""
    return get_session().get_service_model("rekognition")


@functools.cache
def _lookup() -> dict[str, str]:
    names: dict[str, str] = {}
    for name in service_model().operation_names:
        names[name] = name
        names[name.lower()] = name
        snake = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
        names[snake] = name
    return names


def api_name(operation: str) -> str:
    """``"search_users"`` or ``"SearchUsers"`` -> ``"SearchUsers"``; ValueError otherwise."""
    found = _lookup().get(operation) or _lookup().get(operation.lower())
    if found is None:
        close = difflib.get_close_matches(operation, list(_lookup()), n=1)
        hint = f" Did you mean {_lookup()[close[0]]!r}?" if close else ""
        raise ValueError(f"{operation!r} is not a Rekognition operation.{hint}")
    return found
