"""Stable, linear-cost paging: an append-only key order and opaque NextTokens.

Each key gets a sequence number when added. A page resumes *after* a sequence number found by
binary search, so walking N items in pages of k costs O(N + (N/k) log N) in all, and items added
or removed between pages never make a walk repeat or skip one that stayed.
"""

from __future__ import annotations

import base64
import bisect
import json
from collections.abc import Iterator
from typing import Optional

from rekostub._common.errors import ServiceError

__all__ = ["KeyOrder", "decode_token", "encode_token"]


class KeyOrder:
    """Keys in insertion order with O(1) amortised add/remove and O(log n) resume."""

    def __init__(self) -> None:
        self._seqs: list[int] = []
        self._keys: list[str] = []
        self._live: dict[str, int] = {}  # key -> its sequence number
        self._next = 0

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, key: object) -> bool:
        return key in self._live

    def add(self, key: str) -> None:
        if key in self._live:
            return
        self._live[key] = self._next
        self._seqs.append(self._next)
        self._keys.append(key)
        self._next += 1

    def extend(self, keys: list[str]) -> None:
        """Add many new keys at once (fixture loading); keys already present are skipped."""
        fresh = [k for k in dict.fromkeys(keys) if k not in self._live]
        first = self._next
        self._live.update(zip(fresh, range(first, first + len(fresh))))
        self._seqs.extend(range(first, first + len(fresh)))
        self._keys.extend(fresh)
        self._next = first + len(fresh)

    def remove(self, key: str) -> None:
        self._live.pop(key, None)
        if len(self._keys) > 32 and len(self._live) * 2 < len(self._keys):
            self._compact()

    def _compact(self) -> None:
        pairs = [(s, k) for s, k in zip(self._seqs, self._keys) if self._live.get(k) == s]
        self._seqs = [s for s, _ in pairs]
        self._keys = [k for _, k in pairs]

    def seq(self, key: str) -> int:
        return self._live[key]

    def after(self, seq: Optional[int]) -> Iterator[tuple[int, str]]:
        """Live (seq, key) pairs with a sequence number greater than ``seq``, in order."""
        start = 0 if seq is None else bisect.bisect_right(self._seqs, seq)
        live = self._live
        for i in range(start, len(self._keys)):
            key = self._keys[i]
            s = self._seqs[i]
            if live.get(key) == s:
                yield s, key

    def copy(self) -> KeyOrder:
        new = KeyOrder()
        new._seqs = list(self._seqs)
        new._keys = list(self._keys)
        new._live = dict(self._live)
        new._next = self._next
        return new


def encode_token(kind: str, scope: str, seq: int) -> str:
    """An opaque NextToken: where a walk of ``kind`` in ``scope`` resumes."""
    raw = json.dumps([kind, scope, seq], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_token(token: str, kind: str, scope: str) -> int:
    """The sequence number in ``token``; InvalidPaginationTokenException if it is not ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        got_kind, got_scope, seq = json.loads(raw)
        if got_kind == kind and got_scope == scope and isinstance(seq, int) and seq >= 0:
            return seq
    except (ValueError, TypeError):
        pass
    raise ServiceError("InvalidPaginationTokenException", "Invalid Token")
