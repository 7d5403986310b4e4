"""The call log: the last requests the fake answered (1,000 by default), with its answers."""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional, overload

from rekostub._common.names import api_name

__all__ = ["DEFAULT_CALL_LOG_SIZE", "Call", "CallLog", "ErrorAnswer"]

#: How many calls a fake's log keeps unless told otherwise (the oldest go first).
DEFAULT_CALL_LOG_SIZE = 1000


@dataclass(frozen=True)
class ErrorAnswer:
    """An error the fake answered: AWS's code, message and HTTP status, and ``hint``:
    rekostub's explanation of why and how to fix it when AWS's text does not say (never sent)."""

    code: str
    message: str
    status: int
    hint: Optional[str] = None


@dataclass(frozen=True)
class Call:
    """One request. ``params`` are as received (blobs as bytes); exactly one of
    ``response`` / ``error`` is set once the call is answered."""

    operation: str
    params: Mapping[str, Any]
    region: str
    response: Optional[Mapping[str, Any]] = None
    error: Optional[ErrorAnswer] = None


def _matches(expected: Any, actual: Any) -> bool:
    """Partial match: dicts match when every expected key matches; everything else by ==."""
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        return all(k in actual and _matches(v, actual[k]) for k, v in expected.items())
    return bool(expected == actual)


def _checked_size(size: Optional[int]) -> Optional[int]:
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise ValueError(
            f"the call log size is a number of calls >= 0 (or None to keep every call), "
            f"not {size!r}"
        )
    return size


class CallLog(Sequence[Call]):
    """A thread-safe, read-only list of the last :attr:`size` :class:`Call` records, oldest
    first; :attr:`dropped` counts the older calls it let go."""

    def __init__(self, size: Optional[int] = DEFAULT_CALL_LOG_SIZE) -> None:
        self._calls: collections.deque[Call] = collections.deque(maxlen=_checked_size(size))
        self._dropped = 0
        self._counts: collections.Counter[str] = collections.Counter()  # kept or dropped
        self._lock = threading.Lock()

    @property
    def size(self) -> Optional[int]:
        """How many calls the log keeps (None: all of them). Settable: a smaller size drops
        the oldest calls at once."""
        return self._calls.maxlen

    @size.setter
    def size(self, size: Optional[int]) -> None:
        size = _checked_size(size)
        with self._lock:
            calls = list(self._calls)
            kept = calls if size is None else calls[max(len(calls) - size, 0) :]
            self._dropped += len(calls) - len(kept)
            self._calls = collections.deque(kept, maxlen=size)

    @property
    def dropped(self) -> int:
        """How many older calls the log has dropped to stay within :attr:`size`."""
        return self._dropped

    def _append(self, call: Call) -> None:
        with self._lock:
            calls = self._calls
            if len(calls) == calls.maxlen:
                self._dropped += 1
            calls.append(call)
            self._counts[call.operation] += 1

    @overload
    def __getitem__(self, index: int) -> Call: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Call]: ...
    def __getitem__(self, index: int | slice) -> Call | Sequence[Call]:
        with self._lock:
            if isinstance(index, slice):
                return list(self._calls)[index]
            return self._calls[index]

    def __len__(self) -> int:
        return len(self._calls)

    def __iter__(self) -> Iterator[Call]:
        with self._lock:
            return iter(list(self._calls))

    def __repr__(self) -> str:
        dropped = f", {self._dropped} older dropped" if self._dropped else ""
        return f"CallLog({[c.operation for c in self]}{dropped})"

    def of(self, operation: str) -> list[Call]:
        """The calls of one operation (``"SearchUsers"`` or ``"search_users"``)."""
        name = api_name(operation)
        return [c for c in self if c.operation == name]

    def reset(self) -> None:
        """Forget every recorded call (and the count of dropped ones)."""
        with self._lock:
            self._calls.clear()
            self._dropped = 0
            self._counts.clear()

    def _dropped_note(self) -> str:
        if not self._dropped:
            return ""
        return (
            f"\n({self._dropped} older call(s) were dropped: the log keeps the last "
            f"{self.size}; raise it with fake.calls.size = N or FakeRekognition(call_log_size=N))"
        )

    def assert_called_with(self, operation: str, **params: Any) -> Call:
        """The last call of ``operation`` whose params include ``params`` (nested dicts match
        partially). Raises AssertionError listing the calls seen otherwise."""
        __tracebackhide__ = True
        name = api_name(operation)
        calls = self.of(name)
        for call in reversed(calls):
            if _matches(params, call.params):
                return call
        raise AssertionError(
            f"no {name} call with params including {params!r}; {name} calls seen:\n{_listed(calls)}"
            f"{self._dropped_note()}"
        )

    def total(self, operation: str) -> int:
        """How many calls of ``operation`` the fake answered, dropped ones included."""
        with self._lock:
            return self._counts[api_name(operation)]

    def assert_called(self, operation: str) -> list[Call]:
        """The calls of ``operation`` still in the log; AssertionError if it was never called
        (calls dropped from the log count as called)."""
        __tracebackhide__ = True
        name = api_name(operation)
        calls = self.of(name)
        if not calls and not self.total(name):
            raise AssertionError(f"{name} was not called; calls seen: {self!r}")
        return calls

    def assert_called_once(self, operation: str) -> Call:
        """The one call of ``operation``; AssertionError if it was called 0 or 2+ times (calls
        dropped from the log included)."""
        __tracebackhide__ = True
        name = api_name(operation)
        calls = self.of(name)
        total = self.total(name)
        if total != 1:
            raise AssertionError(
                f"{name} was called {total} times{self._gone(total, calls)}, expected once:\n"
                f"{_listed(calls)}"
            )
        if not calls:
            raise AssertionError(
                f"{name} was called once, but the call was dropped from the "
                f"log{self._dropped_note()}"
            )
        return calls[0]

    def assert_called_once_with(self, operation: str, **params: Any) -> Call:
        """The one call of ``operation``, whose params include ``params`` (nested dicts match
        partially, as :meth:`assert_called_with`). AssertionError if ``operation`` was called
        0 or 2+ times, or its one call does not match."""
        __tracebackhide__ = True
        call = self.assert_called_once(operation)
        if not _matches(params, call.params):
            raise AssertionError(
                f"{call.operation} was called once, but not with params including "
                f"{params!r}:\n{_listed([call])}"
            )
        return call

    def assert_not_called(self, operation: str) -> None:
        """AssertionError if ``operation`` was ever called (even if dropped from the log since)."""
        __tracebackhide__ = True
        name = api_name(operation)
        calls = self.of(name)
        total = self.total(name)
        if total:
            raise AssertionError(
                f"{name} was called {total} time(s){self._gone(total, calls)}:\n{_listed(calls)}"
            )

    @staticmethod
    def _gone(total: int, calls: Sequence[Call]) -> str:
        gone = total - len(calls)
        return f" ({gone} of them dropped from the log)" if gone else ""


def _listed(calls: Sequence[Call]) -> str:
    """Calls one a line, for assertion messages: operation, params, and the error answered."""
    lines = []
    for c in calls:
        answered = f" -> {c.error.code}" if c.error is not None else ""
        lines.append(f"  {c.operation}({dict(c.params)!r}){answered}")
    return "\n".join(lines) or "  (none)"
