"""The compiled nodes for scalar shapes: the ``_Node`` base (and ``_Any`` for documents), then
string, number, boolean, blob (with strict base64 decoding in Coral's words) and timestamp. Each
checks and converts a value's type (``coerce``) and lists the constraints it fails (``failing``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import numbers
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Optional

from botocore.utils import parse_timestamp

from rekostub._validation.messages import (
    _bound_texts,
    _item,
    _java_double,
    _java_float,
    _Mismatch,
    _mismatch,
    _quoted,
    _render_any,
    _render_blob,
)
from rekostub._validation.patterns import _LazyPattern

_NO_TEXTS: tuple[str, ...] = ()
#: How AWS's JSON protocols (and botocore's serializer) write non-finite float and double values.
_NON_FINITE = frozenset(("NaN", "Infinity", "-Infinity"))


# --------------------------------------------------------------------------- nodes


class _Node:
    """A compiled shape. ``walk`` checks ``value`` (already known not to be ``None``), appends
    constraint problems, and returns the value in Python form (the same object if unchanged).
    In wire mode a type mismatch raises ``_Mismatch``; otherwise it becomes a problem."""

    __slots__ = ("name",)
    scalar = False

    def __init__(self, name: str) -> None:
        self.name = name

    def walk(self, value: Any, path: str, problems: list[str], wire: bool) -> Any:
        return value

    def render(self, value: Any) -> str:
        return _render_any(value)


class _Any(_Node):
    """A document shape (or a type this walker does not know): anything goes."""

    __slots__ = ()


class _Scalar(_Node):
    """A scalar shape: ``coerce`` checks (and converts) the type, ``failing`` the constraints.
    ``texts`` is every constraint text, in AWS's order, for the aggregated list/map forms."""

    __slots__ = ("texts",)
    scalar = True

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.texts: tuple[str, ...] = ()

    def coerce(self, value: Any, wire: bool) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def failing(self, value: Any) -> tuple[str, ...] | list[str]:
        return _NO_TEXTS

    def walk(self, value: Any, path: str, problems: list[str], wire: bool) -> Any:
        try:
            value = self.coerce(value, wire)
        except _Mismatch as exc:
            if wire:
                raise
            problems.append(exc.item(value, path))
            return value
        if self.texts:
            bad = self.failing(value)
            if bad:
                shown = self.render(value)
                problems.extend(_item(shown, path, text) for text in bad)
        return value


class _String(_Scalar):
    __slots__ = ("enum", "max", "min", "pattern", "t_enum", "t_max", "t_min", "t_pattern")

    def __init__(self, name: str, metadata: Mapping[str, Any]) -> None:
        super().__init__(name)
        self.max: Optional[int] = metadata.get("max")
        self.min: Optional[int] = metadata.get("min")
        if self.min is not None and self.min <= 0:
            self.min = None
        pattern = metadata.get("pattern")
        enum = metadata.get("enum")
        self.enum: Optional[frozenset[str]] = frozenset(enum) if enum else None
        self.pattern: Optional[_LazyPattern] = _LazyPattern(pattern) if pattern else None
        max_, min_ = metadata.get("max"), metadata.get("min")
        self.t_max, self.t_min, bounds = _bound_texts("length", min_, max_)
        self.t_pattern = f"Member must satisfy regular expression pattern: {pattern}"
        self.t_enum = f"Member must satisfy enum value set: [{', '.join(enum or ())}]"
        texts = list(bounds)
        if pattern:
            texts.append(self.t_pattern)
        if enum:
            texts.append(self.t_enum)
        self.texts = tuple(texts)

    def coerce(self, value: Any, wire: bool) -> Any:
        if isinstance(value, str):
            return value
        raise _mismatch(value, "String")

    def failing(self, value: Any) -> tuple[str, ...] | list[str]:
        bad: list[str] = []
        n = len(value)
        if self.max is not None and n > self.max:
            bad.append(self.t_max)
        elif self.min is not None and n < self.min:
            bad.append(self.t_min)
        if self.pattern is not None and not self.pattern.matches(value):
            bad.append(self.t_pattern)
        if self.enum is not None and value not in self.enum:
            bad.append(self.t_enum)
        return bad

    def render(self, value: Any) -> str:
        return value if isinstance(value, str) else _render_any(value)


class _Number(_Scalar):
    """integer, long, float, double."""

    __slots__ = ("integral", "max", "min", "t_max", "t_min", "target")

    def __init__(self, name: str, type_name: str, metadata: Mapping[str, Any]) -> None:
        super().__init__(name)
        self.target = {"integer": "Integer", "long": "Long", "float": "Float"}.get(
            type_name, "Double"
        )
        self.integral = type_name in ("integer", "long")
        self.max: Optional[float] = metadata.get("max")
        self.min: Optional[float] = metadata.get("min")
        self.t_max, self.t_min, self.texts = _bound_texts("value", self.min, self.max)

    def coerce(self, value: Any, wire: bool) -> Any:
        kind = type(value)
        if kind is int:
            return value
        if self.integral:
            if kind is float:
                if wire and value.is_integer():
                    return int(value)
                if wire:
                    raise _mismatch(
                        value,
                        self.target,
                        f"class java.math.BigDecimal can not be converted to an {self.target}",
                    )
                raise _mismatch(value, self.target)
            if not wire and isinstance(value, numbers.Integral) and kind is not bool:
                return value
            raise _mismatch(value, self.target)
        if kind is float:
            return value
        if wire and kind is str and value in _NON_FINITE:
            return float(value)  # the JSON protocol's spelling of NaN and the infinities
        if kind is not bool and (
            isinstance(value, (numbers.Real, Decimal))
            if not wire
            else isinstance(value, (int, float))
        ):
            return value
        raise _mismatch(value, self.target)

    def failing(self, value: Any) -> tuple[str, ...] | list[str]:
        if value != value:  # NaN is in no range: it fails every bound the shape has
            return self.texts
        if self.max is not None and value > self.max:
            return (self.t_max,)
        if self.min is not None and value < self.min:
            return (self.t_min,)
        return _NO_TEXTS

    def render(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return _render_any(value)
        if self.integral:
            return str(value)
        return _java_float(value) if self.target == "Float" else _java_double(value)


class _Boolean(_Scalar):
    __slots__ = ()

    def coerce(self, value: Any, wire: bool) -> Any:
        if value is True or value is False:
            return value
        raise _mismatch(value, "Boolean")


_B64_VALUES = {
    c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
}
_B64_BAD = re.compile(r"[^a-zA-Z0-9+/=]|=[^=]")


def _decode_base64(text: str) -> bytes:
    """Strict base64, failing with the Coral deserializer's texts."""
    n = len(text)
    prefix = f"'{_quoted(text)}' can not be converted to a Blob: "
    if n % 4:
        raise _mismatch(
            text,
            "Blob",
            prefix + f"Base64 encoded length is expected a multiple of 4 bytes but found: {n}",
        )
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        found = _B64_BAD.search(text)
        char = found.group(0)[0] if found else "="
        raise _mismatch(text, "Blob", prefix + f"Invalid Base64 character: '{char}'") from None
    if n and text[-1] == "=":
        last, mask = (text[-3], 0x0F) if text[-2] == "=" else (text[-2], 0x03)
        if _B64_VALUES[last] & mask:
            raise _mismatch(
                text, "Blob", prefix + "Invalid last non-pad Base64 character dectected"
            )
    return data


class _Blob(_Scalar):
    __slots__ = ("max", "min", "t_max", "t_min")

    def __init__(self, name: str, metadata: Mapping[str, Any]) -> None:
        super().__init__(name)
        self.max: Optional[int] = metadata.get("max")
        self.min: Optional[int] = metadata.get("min")
        self.t_max, self.t_min, self.texts = _bound_texts("length", self.min, self.max)

    def coerce(self, value: Any, wire: bool) -> Any:
        if wire:
            if isinstance(value, str):
                return _decode_base64(value)
        elif isinstance(value, (bytes, bytearray)):
            return value
        raise _mismatch(value, "Blob")

    def failing(self, value: Any) -> tuple[str, ...] | list[str]:
        n = len(value)
        if self.max is not None and n > self.max:
            return (self.t_max,)
        if self.min is not None and n < self.min:
            return (self.t_min,)
        return _NO_TEXTS

    def render(self, value: Any) -> str:
        if isinstance(value, (bytes, bytearray)):
            return _render_blob(value)
        return _render_any(value)


class _Timestamp(_Scalar):
    __slots__ = ()

    def coerce(self, value: Any, wire: bool) -> Any:
        if isinstance(value, _dt.datetime) and not wire:
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not wire:
                return value
            try:
                return _dt.datetime.fromtimestamp(value, _dt.timezone.utc)
            except (OverflowError, OSError, ValueError):
                raise _mismatch(value, "Date") from None
        if not wire and isinstance(value, (numbers.Real, Decimal)):
            return value
        if wire and isinstance(value, str):
            try:
                parsed: _dt.datetime = parse_timestamp(value)
            except (ValueError, OverflowError, TypeError):
                raise _mismatch(value, "Date") from None
            return parsed
        raise _mismatch(value, "Date")
