"""The same answer for an aiobotocore client: an ``AioAWSResponse`` whose body is awaited.

aiobotocore's endpoint awaits ``http_response.content`` (and, behind it, ``raw.read()``), so the
plain ``AWSResponse`` of :func:`rekostub._wire.json_protocol.answer` is re-wrapped, unchanged
in status, headers and body, as aiobotocore's own response class. Its parser, retry handlers
and error classes then run exactly as for a network answer. aiobotocore is optional: this
module imports it only when an aiobotocore client is being answered (it is already loaded then).
"""

from __future__ import annotations

import sys
from typing import Any

from botocore.awsrequest import AWSResponse

__all__ = ["as_async_response", "is_async_client"]


def is_async_client(client: Any) -> bool:
    """True for an aiobotocore (or aioboto3) client. Never imports aiobotocore itself."""
    module = sys.modules.get("aiobotocore.client")
    base = getattr(module, "AioBaseClient", None)
    return base is not None and isinstance(client, base)


class _AsyncBody:
    """The raw body aiobotocore reads: ``await raw.read()`` (aiohttp's StreamReader API)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    async def read(self, n: int = -1) -> bytes:
        data = self._data if n < 0 else self._data[:n]
        self._data = self._data[len(data) :]
        return data


def as_async_response(response: AWSResponse) -> AWSResponse:
    """``response`` as aiobotocore's ``AioAWSResponse`` (same status, headers and bytes)."""
    from aiobotocore.awsrequest import AioAWSResponse

    body: bytes = response.content
    result: AWSResponse = AioAWSResponse(
        response.url, response.status_code, response.headers, _AsyncBody(body)
    )
    return result
