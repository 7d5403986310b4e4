"""Where an ``S3Object`` image's bytes come from when the fixture does not declare the key.

1. ``fake.s3_images``: a callable ``(bucket, key, version) -> bytes | None`` the test sets
   (``version`` is None when the request names none); None means "no such object here".
2. moto's S3, when moto's ``mock_aws`` is active in this process: the object is read from
   moto's in-memory backend directly (``moto.s3.models.s3_backends``), never through a
   client, so no request is ever made. moto is never imported by rekostub: if the test has
   not imported it, or ``mock_aws`` is not active, this source is skipped.

Real S3 is never read.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, Optional

from rekostub._common.errors import RekostubError

__all__ = ["S3Resolver", "moto_active", "moto_object", "resolve_hook"]

#: ``fake.s3_images``: (bucket, key, version or None) -> the object's bytes, or None.
S3Resolver = Callable[[str, str, Optional[str]], Optional[bytes]]


def _moto_models() -> Any:
    """moto's core models module if the process imported moto (never imported here)."""
    return sys.modules.get("moto.core.models")


def moto_active() -> bool:
    """Whether moto's ``mock_aws`` is active in this process (started and not stopped)."""
    models = _moto_models()
    stubber = getattr(models, "botocore_stubber", None) if models is not None else None
    return bool(getattr(stubber, "enabled", False))


def moto_object(bucket: str, key: str, version: Optional[str]) -> Optional[bytes]:
    """The object's bytes from moto's in-process S3, or None (moto not active, no such
    bucket, key or version). Reads moto's backend directly: nothing goes over a network."""
    if not moto_active():
        return None
    s3_models = sys.modules.get("moto.s3.models")
    backends = getattr(s3_models, "s3_backends", None)
    if backends is None:
        return None
    for backend in _backends_with(backends, bucket):
        try:
            found = backend.get_object(bucket, key, version_id=version)
        except Exception:  # moto's MissingBucket / MissingKey and the like: "not there"
            found = None
        if found is not None:
            return bytes(found.value)
    return None


def _backends_with(backends: Any, bucket: str) -> list[Any]:
    """moto's S3 backends (one per account and partition) that hold ``bucket``."""
    owner = getattr(backends, "bucket_accounts", {}).get(bucket)
    if isinstance(owner, tuple) and len(owner) == 2:  # moto >= 5.1: (partition, account)
        partition, account = owner
        return [backends[account][partition]]
    found = []  # older moto: look through every account's backends
    for per_account in list(backends.values()):
        for backend in list(per_account.values()):
            if bucket in getattr(backend, "buckets", {}):
                found.append(backend)
    return found


def resolve_hook(
    hook: S3Resolver, bucket: str, key: str, version: Optional[str]
) -> Optional[bytes]:
    """Call ``fake.s3_images`` and check what it gave (bytes-like or None)."""
    data = hook(bucket, key, version)
    if data is None:
        return None
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise RekostubError(
        f"fake.s3_images returned {type(data).__name__} for s3://{bucket}/{key}: it must return "
        f"the object's bytes, or None when it has no such object."
    )
