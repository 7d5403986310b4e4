"""Per-answer header values, made cheaply: the ``Date`` (formatted once per second) and request
ids (UUID version 4 strings cut from one batch of ``os.urandom`` bytes).

Both are on every call's path; made the obvious way (``datetime.now().strftime``, ``uuid.uuid4()``)
they cost about a tenth of rekostub's share of a call.
"""

from __future__ import annotations

import os
import time
from email.utils import formatdate

__all__ = ["http_date", "request_id"]

_date: tuple[int, str] = (-1, "")


def http_date() -> str:
    """Now as an HTTP ``Date`` (RFC 7231, GMT), e.g. ``Mon, 30 Nov 2026 01:02:03 GMT``."""
    global _date
    now = int(time.time())
    cached = _date  # one read: another thread may replace it meanwhile
    if cached[0] != now:
        cached = (now, formatdate(now, usegmt=True))
        _date = cached
    return cached[1]


_BATCH = 256  # ids per os.urandom call
_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}  # RFC 4122 variant digit
_ids: list[str] = []


def _uuid4s(count: int) -> list[str]:
    h = os.urandom(16 * count).hex()
    return [
        f"{h[i : i + 8]}-{h[i + 8 : i + 12]}-4{h[i + 13 : i + 16]}-"
        f"{_VARIANT[h[i + 16]]}{h[i + 17 : i + 20]}-{h[i + 20 : i + 32]}"
        for i in range(0, 32 * count, 32)
    ]


def request_id() -> str:
    """A fresh random UUID (version 4, lower case), like the ids AWS puts in
    ``x-amzn-RequestId``. Thread-safe: ``list.pop`` is atomic."""
    while True:
        try:
            return _ids.pop()
        except IndexError:
            _ids.extend(_uuid4s(_BATCH))


# A forked child must not hand out the ids its parent has prepared (and may hand out too).
os.register_at_fork(after_in_child=_ids.clear)
