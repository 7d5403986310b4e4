"""Request (and scripted-response) validation, driven by botocore's own service model.

One walker checks a value against any shape of the loaded model, the way Amazon's service
framework (Coral) does before an operation runs. ``validate_request`` works on the decoded JSON
body of a json-1.1 request; ``shape_problems`` works on values already in Python form (used for
scripted responses). Nothing here is written per operation.

Decisions (what no public source settles exactly is marked *chosen*):

* **Wording.** One problem reads ``Value '<v>' at '<path>' failed to satisfy constraint: <text>``
  (``Value null at ...: Member must not be null`` for a missing required member); the message is
  ``1 validation error detected: <item>`` or ``N validation errors detected: <item>; <item>``.
  Texts: ``Member must have length less than or equal to N`` / ``greater than or equal to N``
  (strings count code points, lists and maps count entries, blobs count decoded bytes),
  ``Member must have value less than or equal to N`` / ``greater than or equal to N``,
  ``Member must satisfy regular expression pattern: <the model's pattern>``,
  ``Member must satisfy enum value set: [A, B]`` (the model's order).
* **Order.** Members in model order, depth first; a list's or map's own length before its
  contents. Within one value: length, then pattern, then enum (AWS reports an empty string that
  also fails its pattern as two errors, length first). *Chosen*: the real service's order across
  members is not the model's, and not predictable; no cap on the number of errors.
* **Bounds** print as the model has them: ``500``, ``100``, ``0`` for the integral bounds the
  Rekognition model uses (also on float shapes), ``1.0`` if a model ever writes a float.
* **Paths** (verified against real AWS answers): member names with the first letter lowered
  (``collectionId``, ``image.bytes``, ``s3Object``). A structure inside a list is at
  ``<list>.<1-based index>.member`` (``targets.1.member.inputTransformer``); a structure inside a
  map at ``<map>.<key>.member``.
* **Lists and maps of scalars** (verified against real AWS answers: ACM, Lambda, ECR, Config,
  EventBridge): a bad item is not reported at the item. The list gets *one* problem, whatever the
  number of bad items, quoting the whole list and *all* of the item shape's constraints:
  ``Value '[a, b]' at 'faceIds' failed to satisfy constraint: Member must satisfy constraint:
  [Member must satisfy regular expression pattern: ...]``. Maps likewise, keys first:
  ``Map keys must satisfy constraint: [...]`` then ``Map value must satisfy constraint: [...]``.
  *Chosen*: a null item adds ``Member must not be null`` to that list of constraints.
* **Value rendering** (Java's ``toString``, as AWS prints it): strings as they are; integers as
  digits; float and double shapes as Java prints a ``Float`` / ``Double`` (``101.0``, ``101.5``,
  ``1.0E7``); booleans ``true``/``false``; blobs ``java.nio.HeapByteBuffer[pos=0 lim=N cap=N]``;
  lists ``[a, b]``; maps ``{k=v, k2=v2}``; structures ``ShapeName(member=value, ...)`` with the
  members that are set.
* **Types** (wire). A JSON value of the wrong type is a ``SerializationException`` raised at the
  first one met (the real service fails while deserializing, before any constraint is checked),
  worded as Coral words it (``class java.lang.String can not be converted to an Integer``,
  ``Start of list found where not expected``, ``Expected null`` for a scalar where a structure is
  expected, ``'<b64>' can not be converted to a Blob: Invalid Base64 character: '?'``, ...).
  Booleans are not numbers. *Chosen* (per the brief; the real service is reported to truncate):
  a non-integral number for an integer or long shape is a ``SerializationException``
  (``class java.math.BigDecimal can not be converted to an Integer``); an integral float (``5.0``)
  is taken as the integer. JSON ``null`` is the same as an absent member. Unknown members are
  ignored and left in the result.
* **Types** (``shape_problems``, Python form): plain texts, same paths:
  ``Value 'abc' at 'labels.1.member.confidence' is not a number``; ``is not a string``,
  ``is not an integer``, ``is not a boolean``, ``is not bytes``, ``is not a timestamp``,
  ``is not a list``, ``is not a map``, ``is not a structure``. Type problems do not stop the walk.
* **Patterns** are Java regular expressions matched against the whole value (``re.fullmatch``),
  compiled once, lazily, with ASCII ``\\d \\w \\s`` as in Java. Java-only constructs are
  translated: ``\\p{..}``/``\\P{..}`` (general categories such as ``L``, ``Z``, ``N``, and the
  POSIX ASCII classes) become explicit code-point ranges from :mod:`unicodedata` (built once, on
  first use, ~0.1 s); ``.`` excludes Java's line terminators; ``\\Q..\\E``, ``\\z``, ``\\x{h}``.
  A pattern that still cannot be compiled is not checked (a test asserts every pattern of the
  Rekognition model compiles).
* **Document** shapes accept anything. Timestamps arrive as epoch seconds (ISO 8601 strings are
  also accepted) and come back as timezone-aware ``datetime``; blobs come back as ``bytes``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import numbers
import re
import struct
import sys
import threading
import unicodedata
from collections.abc import Hashable, Mapping
from decimal import Decimal
from itertools import groupby
from typing import Any, NoReturn, Optional

from botocore.model import OperationModel, Shape
from botocore.utils import parse_timestamp

from rekostub._errors import ServiceError

__all__ = ["shape_problems", "validate_request"]

_NO_TEXTS: tuple[str, ...] = ()
_NOT_NULL = "Member must not be null"


# --------------------------------------------------------------------------- public API


def validate_request(operation_model: OperationModel, body: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a decoded JSON request body against the operation's input shape.

    Returns the params in Python form: blob members base64-decoded to bytes, timestamps (epoch
    numbers in json protocol) to timezone-aware datetime; everything else as received (unknown
    members included). The body itself is returned, not a copy, when nothing needed converting.

    Raises ``ServiceError('ValidationException', ...)`` for constraint violations (all of them,
    in model member order, depth first), ``ServiceError('SerializationException', ...)`` for a
    value of the wrong JSON type or unparseable base64, and never for unknown members.
    """
    shape = operation_model.input_shape
    if not isinstance(body, Mapping):
        raise ServiceError("SerializationException", _mismatch(body, "structure").wire)
    if shape is None:
        return dict(body)
    node = _node_for(shape)
    problems: list[str] = []
    try:
        out = node.walk(body, "", problems, True)
    except _Mismatch as exc:
        raise ServiceError("SerializationException", exc.wire) from None
    if problems:
        raise ServiceError("ValidationException", _summary(problems))
    return out if type(out) is dict else dict(out)


def shape_problems(shape: Shape, value: Any, path: str = "") -> list[str]:
    """The same walk for any shape, on a value already in Python form.

    Blobs are ``bytes``, timestamps ``datetime`` or epoch numbers. Returns the violation texts
    (``Value 'x' at 'collectionId' failed to satisfy constraint: ...``, and plain type texts such
    as ``Value 'abc' at 'labels.1.member.confidence' is not a number``) instead of raising; an
    empty list means the value is valid. ``path`` prefixes every path.
    """
    node = _node_for(shape)
    problems: list[str] = []
    if value is None:
        problems.append(_null_item(path))
        return problems
    node.walk(value, path, problems, False)
    return problems


def _summary(problems: list[str]) -> str:
    n = len(problems)
    return f"{n} validation error{'s' if n != 1 else ''} detected: " + "; ".join(problems)


def _null_item(path: str) -> str:
    return f"Value null at '{path}' failed to satisfy constraint: {_NOT_NULL}"


def _item(shown: str, path: str, text: str) -> str:
    return f"Value '{shown}' at '{path}' failed to satisfy constraint: {text}"


# --------------------------------------------------------------------------- type mismatches

_PLAIN = {
    "String": "is not a string",
    "Integer": "is not an integer",
    "Long": "is not an integer",
    "Float": "is not a number",
    "Double": "is not a number",
    "Boolean": "is not a boolean",
    "Blob": "is not bytes",
    "Date": "is not a timestamp (a datetime or epoch seconds)",
    "list": "is not a list",
    "map": "is not a map",
    "structure": "is not a structure",
}
_NUMBER_CLASS = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber"


class _Mismatch(Exception):
    """A value of the wrong type: ``wire`` is the SerializationException text, ``plain`` the
    ``shape_problems`` phrase (``is not a number``)."""

    def __init__(self, wire: str, plain: str) -> None:
        super().__init__(wire)
        self.wire = wire
        self.plain = plain

    def item(self, value: Any, path: str) -> str:
        where = f" at '{path}'" if path else ""
        return f"Value '{_render_any(value)}'{where} {self.plain}"


def _mismatch(value: Any, target: str, detail: Optional[str] = None) -> _Mismatch:
    """The Coral deserializer's words for ``value`` where a ``target`` was expected."""
    plain = _PLAIN[target]
    if detail is not None:
        return _Mismatch(detail, plain)
    article = "a" if target == "Blob" else "an"
    if isinstance(value, (list, tuple)):
        wire = "Start of list found where not expected"
    elif isinstance(value, Mapping):
        wire = "Start of structure or map found where not expected."
    elif target == "list":
        wire = "Expected list or null"
    elif target == "map":
        wire = "Expected map or null"
    elif target == "structure":
        wire = "Expected null"
    elif isinstance(value, bool):
        wire = f"class java.lang.Boolean can not be converted to {article} {target}"
    elif isinstance(value, numbers.Number):
        wire = f"{_NUMBER_CLASS} can not be converted to {article} {target}"
    elif isinstance(value, str):
        if target == "Boolean":
            wire = f"'{value.upper()}' can not be converted to an Boolean"
        else:
            wire = f"class java.lang.String can not be converted to {article} {target}"
    else:
        wire = f"class {type(value).__name__} can not be converted to {article} {target}"
    return _Mismatch(wire, plain)


# --------------------------------------------------------------------------- rendering


def _render_any(value: Any) -> str:
    """Java ``toString`` of a value whose shape is unknown or does not fit."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _render_blob(value)
    if isinstance(value, float):
        return _java_double(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_render_any(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}={_render_any(v)}" for k, v in value.items()) + "}"
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    return str(value)


def _render_blob(value: Any) -> str:
    n = len(value)
    return f"java.nio.HeapByteBuffer[pos=0 lim={n} cap={n}]"


def _java_number(digits: str, magnitude: float) -> str:
    """Java's ``Double.toString`` layout for the shortest decimal ``digits`` of a number."""
    dec = Decimal(digits)
    if 1e-3 <= magnitude < 1e7:
        text = format(dec, "f")
        return text if "." in text else text + ".0"
    sign, ds, exp = dec.as_tuple()
    assert isinstance(exp, int)
    ds_list = list(ds)
    while len(ds_list) > 1 and ds_list[-1] == 0:
        ds_list.pop()
        exp += 1
    exponent = exp + len(ds_list) - 1
    rest = "".join(str(d) for d in ds_list[1:]) or "0"
    return f"{'-' if sign else ''}{ds_list[0]}.{rest}E{exponent}"


def _java_special(x: float) -> Optional[str]:
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if str(x).startswith("-") else "0.0"
    return None


def _java_double(value: Any) -> str:
    """``Double.toString``: ``101.0``, ``101.5``, ``1.0E7``, ``5.0E-5``."""
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        return str(value)
    special = _java_special(x)
    if special is not None:
        return special
    return _java_number(repr(x), abs(x))


def _java_float(value: Any) -> str:
    """``Float.toString``: the value rounded to float32, shortest digits that round-trip."""
    try:
        x = struct.unpack("<f", struct.pack("<f", float(value)))[0]
    except (TypeError, ValueError, OverflowError):
        return _java_double(value)
    special = _java_special(x)
    if special is not None:
        return special
    for precision in range(1, 10):
        text = f"{x:.{precision}g}"
        if struct.unpack("<f", struct.pack("<f", float(text)))[0] == x:
            return _java_number(text, abs(x))
    return _java_number(repr(x), abs(x))  # pragma: no cover - 9 digits always round-trip


def _bound(value: Any) -> str:
    """A model bound as the model writes it: ``500``, ``0``; ``1.0`` for a float bound."""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _bound_texts(what: str, low: Any, high: Any) -> tuple[str, str, tuple[str, ...]]:
    """The max/min constraint texts for ``what`` ("length" or "value") and those that apply."""
    t_max = f"Member must have {what} less than or equal to {_bound(high)}"
    t_min = f"Member must have {what} greater than or equal to {_bound(low)}"
    texts = ((t_max,) if high is not None else ()) + ((t_min,) if low is not None else ())
    return t_max, t_min, texts


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


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
        if kind is not bool and (
            isinstance(value, (numbers.Real, Decimal))
            if not wire
            else isinstance(value, (int, float))
        ):
            return value
        raise _mismatch(value, self.target)

    def failing(self, value: Any) -> tuple[str, ...] | list[str]:
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
    prefix = f"'{text}' can not be converted to a Blob: "
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


class _Structure(_Node):
    __slots__ = ("members",)

    def __init__(self, name: str) -> None:
        super().__init__(name)
        # (wire key, path segment, node, required), in model order.
        self.members: list[tuple[str, str, _Node, bool]] = []

    def walk(self, value: Any, path: str, problems: list[str], wire: bool) -> Any:
        if not isinstance(value, Mapping):
            exc = _mismatch(value, "structure")
            if wire:
                raise exc
            problems.append(exc.item(value, path))
            return value
        out: Any = value
        prefix = path + "." if path else ""
        get = value.get
        for key, segment, node, required in self.members:
            item = get(key)
            if item is None:
                if required:
                    problems.append(_null_item(prefix + segment))
                continue
            new = node.walk(item, prefix + segment, problems, wire)
            if new is not item:
                if out is value:
                    out = dict(value)
                out[key] = new
        return out

    def render(self, value: Any) -> str:
        if not isinstance(value, Mapping):
            return _render_any(value)
        parts = []
        for key, segment, node, _ in self.members:
            item = value.get(key)
            if item is not None:
                parts.append(f"{segment}={node.render(item)}")
        return f"{self.name}({', '.join(parts)})"


def _aggregate(label: str, node: _Scalar, null_seen: bool) -> str:
    texts = list(node.texts)
    if null_seen:
        texts.append(_NOT_NULL)
    return f"{label} must satisfy constraint: [{', '.join(texts)}]"


def _size_problem(container: _List | _Map, value: Any, path: str, problems: list[str]) -> None:
    n = len(value)
    if container.max is not None and n > container.max:
        problems.append(_item(container.render(value), path, container.t_max))
    elif container.min is not None and n < container.min:
        problems.append(_item(container.render(value), path, container.t_min))


class _List(_Node):
    __slots__ = ("max", "member", "min", "t_max", "t_min")

    def __init__(self, name: str, metadata: Mapping[str, Any]) -> None:
        super().__init__(name)
        self.member: _Node = _Any(name)
        self.max: Optional[int] = metadata.get("max")
        self.min: Optional[int] = metadata.get("min")
        if self.min is not None and self.min <= 0:
            self.min = None
        self.t_max, self.t_min, _ = _bound_texts("length", self.min, self.max)

    def walk(self, value: Any, path: str, problems: list[str], wire: bool) -> Any:
        if not (isinstance(value, list) or (not wire and isinstance(value, tuple))):
            exc = _mismatch(value, "list")
            if wire:
                raise exc
            problems.append(exc.item(value, path))
            return value
        if self.max is not None or self.min is not None:
            _size_problem(self, value, path, problems)
        member = self.member
        out: Any = value
        if isinstance(member, _Scalar):
            bad = null_seen = False
            check = bool(member.texts)
            for index, item in enumerate(value):
                if item is None:
                    null_seen = True
                    continue
                try:
                    new = member.coerce(item, wire)
                except _Mismatch as exc:
                    if wire:
                        raise
                    problems.append(exc.item(item, f"{path}.{index + 1}.member"))
                    continue
                if check and not bad and member.failing(new):
                    bad = True
                if new is not item:
                    if out is value:
                        out = list(value)
                    out[index] = new
            if bad or null_seen:
                problems.append(
                    f"Value '{self.render(out)}' at '{path}' failed to satisfy constraint: "
                    + _aggregate("Member", member, null_seen)
                )
            return out
        for index, item in enumerate(value):
            item_path = f"{path}.{index + 1}.member"
            if item is None:
                problems.append(_null_item(item_path))
                continue
            new = member.walk(item, item_path, problems, wire)
            if new is not item:
                if out is value:
                    out = list(value)
                out[index] = new
        return out

    def render(self, value: Any) -> str:
        if not isinstance(value, (list, tuple)):
            return _render_any(value)
        member = self.member
        return "[" + ", ".join("null" if v is None else member.render(v) for v in value) + "]"


class _Map(_Node):
    __slots__ = ("key", "max", "min", "t_max", "t_min", "value")

    def __init__(self, name: str, metadata: Mapping[str, Any]) -> None:
        super().__init__(name)
        self.key: _Node = _Any(name)
        self.value: _Node = _Any(name)
        self.max: Optional[int] = metadata.get("max")
        self.min: Optional[int] = metadata.get("min")
        if self.min is not None and self.min <= 0:
            self.min = None
        self.t_max, self.t_min, _ = _bound_texts("length", self.min, self.max)

    def walk(self, value: Any, path: str, problems: list[str], wire: bool) -> Any:
        if not isinstance(value, Mapping):
            exc = _mismatch(value, "map")
            if wire:
                raise exc
            problems.append(exc.item(value, path))
            return value
        if self.max is not None or self.min is not None:
            _size_problem(self, value, path, problems)
        key_node = self.key
        if isinstance(key_node, _Scalar):
            keys_bad = False
            for key in value:
                try:
                    key_node.coerce(key, False)
                except _Mismatch as exc:
                    if wire:  # pragma: no cover - JSON keys are always strings
                        raise
                    problems.append(exc.item(key, path))
                    continue
                if key_node.texts and key_node.failing(key):
                    keys_bad = True
            if keys_bad:
                problems.append(
                    f"Value '{self.render(value)}' at '{path}' failed to satisfy constraint: "
                    + _aggregate("Map keys", key_node, False)
                )
        node = self.value
        out: Any = value
        if isinstance(node, _Scalar):
            bad = null_seen = False
            for key, item in value.items():
                if item is None:
                    null_seen = True
                    continue
                try:
                    new = node.coerce(item, wire)
                except _Mismatch as exc:
                    if wire:
                        raise
                    problems.append(exc.item(item, f"{path}.{key}.member"))
                    continue
                if node.texts and not bad and node.failing(new):
                    bad = True
                if new is not item:
                    if out is value:
                        out = dict(value)
                    out[key] = new
            if bad or null_seen:
                problems.append(
                    f"Value '{self.render(out)}' at '{path}' failed to satisfy constraint: "
                    + _aggregate("Map value", node, null_seen)
                )
            return out
        for key, item in value.items():
            item_path = f"{path}.{key}.member"
            if item is None:
                problems.append(_null_item(item_path))
                continue
            new = node.walk(item, item_path, problems, wire)
            if new is not item:
                if out is value:
                    out = dict(value)
                out[key] = new
        return out

    def render(self, value: Any) -> str:
        if not isinstance(value, Mapping):
            return _render_any(value)
        node = self.value
        return (
            "{"
            + ", ".join(f"{k}={'null' if v is None else node.render(v)}" for k, v in value.items())
            + "}"
        )


# --------------------------------------------------------------------------- compiling

_COMPILE_LOCK = threading.RLock()
_MAX_MODELS = 16
# id(shape map) -> (the shape map, kept alive so the id stays its own; compiled nodes by key)
_CACHES: dict[int, tuple[object, dict[Hashable, _Node]]] = {}
_CONSTRAINT_KEYS = ("min", "max", "pattern", "enum", "document")


def _shape_key(shape: Any, shape_map: Optional[Mapping[str, Any]]) -> Hashable:
    """Shapes of one model are compiled once per name; a member reference that overrides a
    constraint (botocore merges member traits into the shape) gets its own entry."""
    name: str = shape.name
    if shape_map is not None and getattr(shape, "_shape_model", None) is shape_map.get(name):
        return name
    metadata = shape.metadata
    return (name, tuple((k, repr(metadata.get(k))) for k in _CONSTRAINT_KEYS))


def _node_for(shape: Any) -> _Node:
    resolver = getattr(shape, "_shape_resolver", None)
    shape_map = getattr(resolver, "_shape_map", None)
    if not isinstance(shape_map, Mapping):
        with _COMPILE_LOCK:
            return _compile(shape, {}, None)
    entry = _CACHES.get(id(shape_map))
    if entry is None or entry[0] is not shape_map:
        with _COMPILE_LOCK:
            entry = _CACHES.get(id(shape_map))
            if entry is None or entry[0] is not shape_map:
                while len(_CACHES) >= _MAX_MODELS:
                    del _CACHES[next(iter(_CACHES))]
                entry = (shape_map, {})
                _CACHES[id(shape_map)] = entry
    memo = entry[1]
    node = memo.get(_shape_key(shape, shape_map))
    if node is None:
        with _COMPILE_LOCK:
            node = _compile(shape, memo, shape_map)
    return node


def _compile(shape: Any, memo: dict[Hashable, _Node], shape_map: Any) -> _Node:
    key = _shape_key(shape, shape_map)
    node = memo.get(key)
    if node is not None:
        return node
    name: str = shape.name
    type_name: str = shape.type_name
    metadata: Mapping[str, Any] = shape.metadata
    if metadata.get("document"):
        node = _Any(name)
    elif type_name == "structure":
        struct_node = _Structure(name)
        memo[key] = struct_node  # before the members: shapes may be recursive
        required = set(metadata.get("required", ()))
        for member_name, member_shape in shape.members.items():
            wire_key: str = member_shape.serialization.get("name", member_name)
            struct_node.members.append(
                (
                    wire_key,
                    _lower_first(member_name),
                    _compile(member_shape, memo, shape_map),
                    member_name in required,
                )
            )
        return struct_node
    elif type_name == "list":
        list_node = _List(name, metadata)
        memo[key] = list_node
        list_node.member = _compile(shape.member, memo, shape_map)
        return list_node
    elif type_name == "map":
        map_node = _Map(name, metadata)
        memo[key] = map_node
        map_node.key = _compile(shape.key, memo, shape_map)
        map_node.value = _compile(shape.value, memo, shape_map)
        return map_node
    elif type_name == "string":
        node = _String(name, metadata)
    elif type_name in ("integer", "long", "float", "double"):
        node = _Number(name, type_name, metadata)
    elif type_name == "boolean":
        node = _Boolean(name)
    elif type_name == "blob":
        node = _Blob(name, metadata)
    elif type_name == "timestamp":
        node = _Timestamp(name)
    else:
        node = _Any(name)
    memo[key] = node
    return node


# --------------------------------------------------------------------------- Java patterns


class _LazyPattern:
    """A model pattern, translated and compiled on first use; ``None`` if it cannot be."""

    __slots__ = ("compiled", "loaded", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self.compiled: Optional[re.Pattern[str]] = None
        self.loaded = False

    def matches(self, value: str) -> bool:
        if not self.loaded:
            self.compiled = _compile_pattern_or_none(self.source)
            self.loaded = True
        return self.compiled is None or self.compiled.fullmatch(value) is not None


_PATTERNS: dict[str, Optional[re.Pattern[str]]] = {}


def _compile_pattern_or_none(source: str) -> Optional[re.Pattern[str]]:
    if source not in _PATTERNS:
        try:
            _PATTERNS[source] = compile_java_pattern(source)
        except (re.error, ValueError):
            _PATTERNS[source] = None
    return _PATTERNS[source]


def compile_java_pattern(source: str) -> re.Pattern[str]:
    """Compile a Java regular expression (as the model writes it) for ``re.fullmatch``.

    Raises ``re.error`` or ``ValueError`` for what cannot be translated.
    """
    return re.compile(_translate_java(source), re.ASCII)


_DOT = r"[^\n\r\x85\u2028\u2029]"
_CATEGORY_RUNS: dict[str, list[tuple[int, int]]] = {}
_CATEGORY_LOCK = threading.Lock()
_POSIX: dict[str, list[tuple[int, int]]] = {
    "Lower": [(0x61, 0x7A)],
    "Upper": [(0x41, 0x5A)],
    "ASCII": [(0x00, 0x7F)],
    "Alpha": [(0x41, 0x5A), (0x61, 0x7A)],
    "Digit": [(0x30, 0x39)],
    "Alnum": [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)],
    "Punct": [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)],
    "Graph": [(0x21, 0x7E)],
    "Print": [(0x20, 0x7E)],
    "Blank": [(0x09, 0x09), (0x20, 0x20)],
    "Cntrl": [(0x00, 0x1F), (0x7F, 0x7F)],
    "XDigit": [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
    "Space": [(0x09, 0x0D), (0x20, 0x20)],
}


def _category_runs() -> dict[str, list[tuple[int, int]]]:
    """Code-point ranges of every Unicode general category (built once, on first need)."""
    if not _CATEGORY_RUNS:
        with _CATEGORY_LOCK:
            if not _CATEGORY_RUNS:
                runs: dict[str, list[tuple[int, int]]] = {}
                start = 0
                chars = map(chr, range(sys.maxunicode + 1))
                for category, group in groupby(map(unicodedata.category, chars)):
                    length = sum(1 for _ in group)
                    runs.setdefault(category, []).append((start, start + length - 1))
                    start += length
                _CATEGORY_RUNS.update(runs)
    return _CATEGORY_RUNS


def _property_ranges(name: str) -> list[tuple[int, int]]:
    """The code points of a Java ``\\p{name}``."""
    if name in _POSIX:
        return _POSIX[name]
    for prefix in ("general_category=", "gc=", "Is"):
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix) :]
            break
    if len(name) in (1, 2) and name[0] in "LMNPSZC":
        runs = _category_runs()
        picked = [r for cat, rs in runs.items() if cat.startswith(name) for r in rs]
        if picked:
            return _merge(picked)
    raise ValueError(f"unsupported Java character property \\p{{{name}}}")


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _complement(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    nxt = 0
    for lo, hi in _merge(ranges):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= sys.maxunicode:
        out.append((nxt, sys.maxunicode))
    return out


def _class_body(ranges: list[tuple[int, int]]) -> str:
    return "".join(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges)


def _fail(source: str, why: str) -> NoReturn:
    raise ValueError(f"cannot translate Java pattern {source!r}: {why}")


def _translate_java(source: str) -> str:
    """The few Java-only regex constructs, rewritten for Python's ``re``."""
    out: list[str] = []
    i, n = 0, len(source)
    in_class = False
    while i < n:
        c = source[i]
        if c == "\\":
            if i + 1 >= n:
                _fail(source, "trailing backslash")
            d = source[i + 1]
            if d in "pP":
                if source[i + 2 : i + 3] == "{":
                    end = source.find("}", i + 3)
                    if end < 0:
                        _fail(source, "unclosed \\p{")
                    name, i = source[i + 3 : end], end + 1
                else:
                    name, i = source[i + 2 : i + 3], i + 3
                ranges = _property_ranges(name)
                if d == "P":
                    ranges = _complement(ranges)
                body = _class_body(ranges)
                out.append(body if in_class else f"[{body}]")
                continue
            if d == "Q":
                end = source.find("\\E", i + 2)
                literal = source[i + 2 : end if end >= 0 else n]
                out.append(re.escape(literal))
                i = end + 2 if end >= 0 else n
                continue
            if d == "x" and source[i + 2 : i + 3] == "{":
                end = source.find("}", i + 3)
                if end < 0:
                    _fail(source, "unclosed \\x{")
                out.append(f"\\U{int(source[i + 3 : end], 16):08x}")
                i = end + 1
                continue
            if not in_class and d == "z":
                out.append(r"\Z")
            elif not in_class and d == "Z":
                out.append(r"(?=[\n\r\x85\u2028\u2029]?\Z)")
            else:
                out.append(source[i : i + 2])
            i += 2
            continue
        if in_class:
            if c == "[":
                _fail(source, "nested character classes")
            if c == "&" and source[i + 1 : i + 2] == "&":
                _fail(source, "character class intersection")
            if c == "]":
                in_class = False
            elif c in "-~|" and source[i + 1 : i + 2] == c:
                out.append("\\" + c)
                i += 1
                continue
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append("[")
            i += 1
            if source[i : i + 1] == "^":
                out.append("^")
                i += 1
            continue
        out.append(_DOT if c == "." else c)
        i += 1
    return "".join(out)
