"""Give freed heap memory back to the operating system after a big fixture load."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from typing import Any, Optional

__all__ = ["release_free_memory"]

_LIBC: Optional[Any] = None
if sys.platform.startswith("linux"):
    try:
        _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        _LIBC.malloc_trim  # noqa: B018 - glibc only: musl has no malloc_trim
    except (OSError, AttributeError):
        _LIBC = None


def release_free_memory() -> None:
    """glibc's ``malloc_trim(0)``: parsing a big fixture frees ~2 KB of temporaries per face,
    which glibc would otherwise keep (RSS). Does nothing where it does not apply."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
