"""What validation says: the problem items and the summary message, the Coral deserializer's words
for a value of the wrong type (``_Mismatch``, with its plain ``shape_problems`` phrase), Java's
``toString`` of a value (``101.0``, ``1.0E7``, ``java.nio.HeapByteBuffer[...]``, ``[a, b]``,
``{k=v}``), the model's bounds as constraint texts, and member names as path segments. The wording
itself is described in :mod:`rekostub._validation.request`.
"""

from __future__ import annotations

import datetime as _dt
import numbers
import struct
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Optional

_NOT_NULL = "Member must not be null"


def _summary(problems: list[str]) -> str:
    n = len(problems)
    return f"{n} validation error{'s' if n != 1 else ''} detected: " + "; ".join(problems)


def _null_item(path: str) -> str:
    return f"Value null at '{path}' failed to satisfy constraint: {_NOT_NULL}"


#: The longest value a message quotes whole (*chosen*: a request's 5 MB value is not echoed back
#: whole; 256 Ki characters still quote a whole 4,097-item FaceIds list).
MAX_QUOTED = 1 << 18


def _quoted(shown: str) -> str:
    """``shown``, or its first MAX_QUOTED characters and how many there are in all."""
    if len(shown) <= MAX_QUOTED:
        return shown
    return f"{shown[:MAX_QUOTED]}...({len(shown):,} characters)"


def _item(shown: str, path: str, text: str) -> str:
    return f"Value '{_quoted(shown)}' at '{path}' failed to satisfy constraint: {text}"


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
        return f"Value '{_quoted(_render_any(value))}'{where} {self.plain}"


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
            wire = f"'{_quoted(value.upper())}' can not be converted to an Boolean"
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
