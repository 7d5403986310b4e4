"""The call log: every request the fake answered, with what it answered."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional, overload

from rekostub._common.names import api_name

__all__ = ["Call", "CallLog", "ErrorAnswer"]


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


class CallLog(Sequence[Call]):
    """A thread-safe, read-only list of :class:`Call` records, oldest first."""

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._lock = threading.Lock()

    def _append(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    @overload
    def __getitem__(self, index: int) -> Call: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Call]: ...
    def __getitem__(self, index: int | slice) -> Call | Sequence[Call]:
        with self._lock:
            return self._calls[index]

    def __len__(self) -> int:
        return len(self._calls)

    def __iter__(self) -> Iterator[Call]:
        with self._lock:
            return iter(list(self._calls))

    def __repr__(self) -> str:
        return f"CallLog({[c.operation for c in self]})"

    def of(self, operation: str) -> list[Call]:
        """The calls of one operation (``"SearchUsers"`` or ``"search_users"``)."""
        name = api_name(operation)
        return [c for c in self if c.operation == name]

    def reset(self) -> None:
        """Forget every recorded call."""
        with self._lock:
            self._calls.clear()

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
        )

    def assert_called(self, operation: str) -> list[Call]:
        """The calls of ``operation``; AssertionError if there are none."""
        __tracebackhide__ = True
        name = api_name(operation)
        calls = self.of(name)
        if not calls:
            raise AssertionError(f"{name} was not called; calls seen: {self!r}")
        return calls

    def assert_called_once(self, operation: str) -> Call:
        """The one call of ``operation``; AssertionError if it was called 0 or 2+ times."""
        __tracebackhide__ = True
        name = api_name(operation)
        calls = self.of(name)
        if len(calls) != 1:
            raise AssertionError(
                f"{name} was called {len(calls)} times, expected once:\n{_listed(calls)}"
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
        """AssertionError if ``operation`` was called."""
        __tracebackhide__ = True
        name = api_name(operation)
        calls = self.of(name)
        if calls:
            raise AssertionError(f"{name} was called {len(calls)} time(s):\n{_listed(calls)}")


def _listed(calls: Sequence[Call]) -> str:
    """Calls one a line, for assertion messages: operation, params, and the error answered."""
    lines = []
    for c in calls:
        answered = f" -> {c.error.code}" if c.error is not None else ""
        lines.append(f"  {c.operation}({dict(c.params)!r}){answered}")
    return "\n".join(lines) or "  (none)"
