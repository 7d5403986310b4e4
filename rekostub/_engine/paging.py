"""Opaque NextTokens that resume a walk after the last key returned.

Lists are walked in key order (ListFaces by FaceId, ListUsers by the user's system-generated
id, ListCollections by id); a token holds the last key of its page, and the next page starts
at the first key greater than it (binary search). So walking N items in pages of k costs
O(N + (N/k) log N) in all, and items added or removed between pages never make a walk repeat or
skip one that stayed.
"""

from __future__ import annotations

import base64
import json

from rekostub._common.errors import ServiceError

__all__ = ["decode_token", "encode_token"]


def encode_token(kind: str, scope: str, key: str) -> str:
    """An opaque NextToken: where a walk of ``kind`` in ``scope`` resumes (after ``key``)."""
    raw = json.dumps([kind, scope, key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_token(token: str, kind: str, scope: str) -> str:
    """The key in ``token``; InvalidPaginationTokenException if it is not ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        got_kind, got_scope, key = json.loads(raw)
        if got_kind == kind and got_scope == scope and isinstance(key, str):
            return key
    except (ValueError, TypeError):
        pass
    raise ServiceError("InvalidPaginationTokenException", "Invalid Token")
